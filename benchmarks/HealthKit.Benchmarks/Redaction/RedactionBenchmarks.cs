using BenchmarkDotNet.Attributes;
using HealthKit.Engine;

namespace HealthKit.Benchmarks.Redaction;

/// <summary>
/// What the redaction boundary costs per result: the description and data of one check's result made safe for every
/// output, as the engine does once when the result is produced. A cached answer reuses that work and pays none of it.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
[IterationTime(250)]
public class RedactionBenchmarks
{
    private const string PlainDescription = "3 rows in 2 ms from db.internal:5432";
    private const string SecretDescription = "could not connect: Host=db.internal;Username=app;Password=Tr0ub4dor&3xyz;Timeout=5 via amqp://app:Zm9v/YmFy@mq:5672/prod";

    private static readonly Dictionary<string, object> PlainData = new()
    {
        ["rows"] = 3,
        ["host"] = "db.internal",
        ["latencyMs"] = 2.1,
        ["tags"] = new[] { "primary", "eu-west-1" },
    };

    private static readonly Dictionary<string, object> SecretData = new()
    {
        ["connection"] = "Host=db.internal;Username=app;Password=Tr0ub4dor&3xyz",
        ["apiKey"] = "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5",
        ["options"] = new Dictionary<string, object> { ["user"] = "app", ["password"] = "hunter2", ["pool"] = 20 },
        ["login"] = new { User = "app", Secret = "s3cr3t-value" },
    };

    [Benchmark(Baseline = true)]
    public object PlainResult() => (ResultSanitizer.SafeDescription(PlainDescription, null, false)!, ResultSanitizer.SanitizeData(PlainData));

    [Benchmark]
    public object ResultWithSecrets() => (ResultSanitizer.SafeDescription(SecretDescription, null, false)!, ResultSanitizer.SanitizeData(SecretData));
}

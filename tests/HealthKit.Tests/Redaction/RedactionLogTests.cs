using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Redaction;

/// <summary>
/// Every case of the table as the message of exceptions that a check throws, that a check's result carries and that a
/// startup task throws: no log record HealthKit writes may carry a planted secret, and the exception types must remain.
/// </summary>
public sealed class RedactionLogTests
{
    public static TheoryData<string> Cases => RedactionCases.Keys;

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Logs_ExceptionsCarryingCase_NoSecretInAnyRecord(string key)
    {
        var c = RedactionCases.Get(key);
        var sink = new StructuredLogSink();
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Logging.SetMinimumLevel(LogLevel.Trace);
                b.Logging.AddProvider(sink);
                b.Services.AddHealthKit(o =>
                    {
                        o.IncludeExceptionDetails = true;
                        o.Defaults.CacheTtl = o.Defaults.FailureCacheTtl = TimeSpan.Zero;
                    })
                    .AddCheck("throws", new ThrowingCheck(Throw(c.Text)))
                    .AddCheck("carries", () => new HealthCheckResult(HealthStatus.Unhealthy, c.Text, Throw(c.Text)))
                    .AddStartupTask("migrate", async (_, _) =>
                    {
                        await Task.Yield();
                        throw Throw(c.Text);
                    });
            },
            environment: "Development");
        await Eventually.True(() => sink.Records.Any(r => r.EventId.Id == 10));

        // The first run logs the status change (event 1), the second the failure alone (event 2).
        var first = await host.GetAsync("/health");
        await host.GetAsync("/health");

        Assert.Equal(c.ExpectedText, first.Entry("throws").GetProperty("exception").GetString());
        Assert.Equal(c.ExpectedText, first.Entry("carries").GetProperty("exception").GetString());
        Assert.Equal(c.ExpectedText, first.Entry("carries").GetProperty("description").GetString());

        var records = sink.Records.ToArray();
        var withExceptions = records.Where(r => r.Exception is not null).ToArray();
        Assert.Contains(withExceptions, r => r.EventId is { Id: 1, Name: "HealthKitCheckStatusChanged" } && r.Message.Contains("'throws'", StringComparison.Ordinal));
        Assert.Contains(withExceptions, r => r.EventId is { Id: 1, Name: "HealthKitCheckStatusChanged" } && r.Message.Contains("'carries'", StringComparison.Ordinal));
        Assert.Contains(withExceptions, r => r.EventId is { Id: 2, Name: "HealthKitCheckFailed" });
        Assert.Contains(withExceptions, r => r.EventId is { Id: 10, Name: "HealthKitStartupTaskFailed" });

        foreach (var record in records)
        {
            foreach (var text in record.Texts())
            {
                Assert.All(c.Secrets, secret => Assert.DoesNotContain(secret, text, StringComparison.Ordinal));
            }
        }

        foreach (var record in withExceptions)
        {
            var text = record.Exception!.ToString();
            Assert.StartsWith("System.InvalidOperationException: " + c.ExpectedText, text, StringComparison.Ordinal);
            Assert.Contains("System.AggregateException: ", text, StringComparison.Ordinal);
            Assert.Contains("System.FormatException: " + c.ExpectedText, text, StringComparison.Ordinal);
            Assert.Contains("(Inner Exception #1) System.ArgumentException: " + c.ExpectedText, text, StringComparison.Ordinal);
            Assert.Contains(" at ", text, StringComparison.Ordinal);
        }
    }

    /// <summary>An exception thrown and caught, so it has a stack trace, with the case's text in every message.</summary>
    private static InvalidOperationException Throw(string message)
    {
        try
        {
            throw new InvalidOperationException(message, new AggregateException(new FormatException(message), new ArgumentException(message)));
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }
}

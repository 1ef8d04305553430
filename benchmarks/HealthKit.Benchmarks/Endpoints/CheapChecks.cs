using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// The extra checks of the check-count measurements: <see cref="Count"/> synchronous checks named <c>check-000</c>,
/// <c>check-001</c>, ..., tagged <c>ready</c>, each returning <see cref="HealthCheckResult.Healthy"/> with no description
/// and no data, and each given a <see cref="HealthCheckPolicy.CacheTtl"/> of one day (<see cref="CacheTtl"/>) through
/// <c>ConfigureCheck</c>, so that none of them runs again once its first result is cached. Every other setting is
/// HealthKit's default. Counts its checks' runs, so that a harness can prove no request ran one.
/// </summary>
internal sealed class CheapChecks(int count)
{
    /// <summary>
    /// One day: the longest <c>CacheTtl</c> HealthKit accepts (<c>HealthKit:Checks:&lt;name&gt;:CacheTtl</c> is at most
    /// <c>1.00:00:00</c>), far beyond any run. The default, 2 s, would make one request in every 2 s run the checks.
    /// </summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromDays(1);

    /// <summary><c>self</c>, <c>startup</c> and <c>availability</c>, which <c>AddHealthKit()</c> registers beside these.</summary>
    public const int LifecycleChecks = 3;

    private long _runs;

    public int Count => count;

    /// <summary>How many times any of these checks has run.</summary>
    public long Runs => Interlocked.Read(ref _runs);

    public IHealthChecksBuilder AddTo(IHealthChecksBuilder builder)
    {
        for (var i = 0; i < count; i++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"check-{i:000}");
            builder.AddCheck(name, Run, [HealthKitTags.Ready])
                .ConfigureCheck(name, policy => policy.CacheTtl = CacheTtl);
        }

        return builder;
    }

    /// <summary>Throws unless every check has run exactly once by the end of <paramref name="during"/>: cached since.</summary>
    public void AssertEachRanOnce(string during)
    {
        if (Runs != Count)
        {
            throw new InvalidOperationException($"The {Count} extra checks ran {Runs} times by the end of {during}; expected each once (cached since).");
        }
    }

    private HealthCheckResult Run()
    {
        Interlocked.Increment(ref _runs);
        return HealthCheckResult.Healthy();
    }
}

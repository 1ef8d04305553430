using HealthKit.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Publishing;

/// <summary>
/// Stands between Microsoft's publisher service and one <see cref="IHealthCheckPublisher"/>, so that a publisher that
/// throws or hangs is logged once per failing streak, with a redacted exception, and never piles up.
/// </summary>
/// <remarks>
/// Microsoft's service logs an Error with the raw exception (secrets included) on every period for a failing publisher,
/// and, for one that ignores its token, waits forever while its timer starts the next report on top. Here the wait ends
/// when the service's token fires (HealthCheckPublisherOptions.Timeout), a publisher still busy with an earlier report is
/// skipped rather than called again, and the service itself always sees success, so it logs nothing.
/// </remarks>
internal sealed class GuardedPublisher : IHealthCheckPublisher
{
    private readonly IHealthCheckPublisher _inner;
    private readonly string _name;
    private readonly IOptions<HealthCheckPublisherOptions> _options;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Task? _running;
    private int _failures;

    public GuardedPublisher(IHealthCheckPublisher inner, IOptions<HealthCheckPublisherOptions> options, IHostApplicationLifetime? lifetime, ILogger logger)
    {
        _inner = inner;
        _name = inner.GetType().FullName ?? inner.GetType().Name;
        _options = options;
        _lifetime = lifetime;
        _logger = logger;
    }

    /// <summary>The publisher this one guards.</summary>
    internal IHealthCheckPublisher Inner => _inner;

    public async Task PublishAsync(HealthReport report, CancellationToken cancellationToken)
    {
        Task publish;
        lock (_gate)
        {
            if (_running is { IsCompleted: false })
            {
                Log.PublisherStillRunning(_logger, _name);
                Interlocked.Increment(ref _failures);
                return;
            }

            publish = _running = Start(report, cancellationToken);
        }

        try
        {
            await publish.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (_lifetime?.ApplicationStopping.IsCancellationRequested != true && Interlocked.Increment(ref _failures) == 1)
            {
                Log.PublisherTimedOut(_logger, _name, _options.Value.Timeout.TotalMilliseconds);
            }

            return;
        }
#pragma warning disable CA1031 // A publisher's failure is contained: logged once per streak, never the endpoints' concern.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (Interlocked.Increment(ref _failures) == 1)
            {
                Log.PublisherFailed(_logger, ex, _name);
            }

            return;
        }

        if (Interlocked.Exchange(ref _failures, 0) is > 0 and var failures)
        {
            Log.PublisherRecovered(_logger, _name, failures);
        }
    }

    private Task Start(HealthReport report, CancellationToken cancellationToken)
    {
        try
        {
            return _inner.PublishAsync(report, cancellationToken) ?? Task.CompletedTask;
        }
#pragma warning disable CA1031 // A publisher that throws before returning its task fails like one whose task faults.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            return Task.FromException(ex);
        }
    }
}

using HealthKit.Engine;
using HealthKit.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace HealthKit.Live;

/// <summary>
/// Re-reads <c>HealthKit:Defaults</c> and <c>HealthKit:Checks</c> when the application's configuration reloads, and puts
/// the result in force only if all of it is valid: the same walker and validators as at startup run on the whole new
/// configuration, every check's options are created, every policy is resolved, and only then is anything swapped in.
/// An invalid reload changes nothing and is logged once; it never stops the application. So does a reload while one of
/// the application's configuration files cannot be parsed, or has been deleted (see <see cref="ConfigurationFiles"/>).
/// </summary>
/// <remarks>
/// Endpoints, the path prefix, tags, failure statuses, disk paths, data sources, lifecycle settings and detail settings
/// are read once at startup: a reload that changes them is validated like any other, and they take effect at the next
/// start.
/// </remarks>
internal sealed class LiveSettings : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private readonly HealthEngine _engine;
    private readonly IOptionsFactory<HealthKitOptions> _factory;
    private readonly ILiveCheckOptions[] _checks;
    private readonly IConfiguration? _configuration;
    private readonly ILogger<LiveSettings> _logger;
    private IDisposable? _subscription;
    private ConfigurationFiles? _files;
    private string? _lastRejection;

    public LiveSettings(
        HealthEngine engine,
        IOptionsFactory<HealthKitOptions> factory,
        IEnumerable<ILiveCheckOptions> checks,
        IServiceProvider services,
        ILogger<LiveSettings> logger)
    {
        _engine = engine;
        _factory = factory;
        _checks = [.. checks];
        _configuration = services.GetService<IConfiguration>();
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_configuration is not null)
        {
            // A file that fails to parse signals no reload; its handler asks for one, which is then rejected.
            _files = new ConfigurationFiles(_configuration, () => Reload());
            _subscription = ChangeToken.OnChange(_configuration.GetReloadToken, () => Reload());
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
        _files?.Dispose();
        _files = null;
    }

    /// <summary>
    /// Reads the configuration again and applies it whole, or not at all.
    /// </summary>
    /// <returns>The problems that rejected the reload; empty when it was applied.</returns>
    internal IReadOnlyList<string> Reload()
    {
        // Runs on the configuration provider's thread (a file watcher's, for appsettings.json): whatever happens here must
        // stay here, or the reload that fired it would take the process down.
        lock (_gate)
        {
            var errors = _files?.Problems() ?? [];
            try
            {
                var options = Create(() => _factory.Create(Options.DefaultName), errors);
                var created = new List<(ILiveCheckOptions Check, object Options)>(_checks.Length);
                foreach (var check in _checks)
                {
                    if (Create(check.Create, errors) is { } checkOptions)
                    {
                        created.Add((check, checkOptions));
                    }
                }

                EffectivePolicy[]? policies = null;
                if (options is not null)
                {
                    policies = _engine.ResolvePolicies(options, out var policyErrors);
                    errors.AddRange(policyErrors);
                }

                if (errors.Count == 0 && policies is not null)
                {
                    foreach (var (check, checkOptions) in created)
                    {
                        check.Apply(checkOptions);
                    }

                    var changed = _engine.ApplyPolicies(policies);
                    _lastRejection = null;
                    Log.SettingsReloaded(_logger, changed.Count == 0 ? LogLevel.Debug : LogLevel.Information, changed.Count == 0 ? "none" : string.Join(", ", changed));
                    return [];
                }
            }
#pragma warning disable CA1031 // A reload that fails in any way is a rejected reload, never a crash.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                errors.Add($"reading the new configuration failed ({ex.GetType().Name})");
            }

            var distinct = errors.Distinct(StringComparer.Ordinal).ToList();
            var text = string.Join(" ", distinct);

            // File watchers report one save as several changes; the operator needs to read the problem once.
            if (!string.Equals(text, _lastRejection, StringComparison.Ordinal))
            {
                _lastRejection = text;
                Log.SettingsRejected(_logger, text);
            }

            return distinct;
        }
    }

    private static T? Create<T>(Func<T> create, List<string> errors)
        where T : class
    {
        try
        {
            return create();
        }
        catch (OptionsValidationException ex)
        {
            errors.AddRange(ex.Failures);
            return null;
        }
    }
}

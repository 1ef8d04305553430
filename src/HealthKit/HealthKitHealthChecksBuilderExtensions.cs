using HealthKit.Internal;
using HealthKit.Live;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace HealthKit;

/// <summary>
/// Extensions on <see cref="IHealthChecksBuilder"/> for tuning how HealthKit evaluates checks and for writing checks of
/// your own that HealthKit configures and validates.
/// </summary>
public static class HealthKitHealthChecksBuilderExtensions
{
    /// <summary>
    /// Sets the evaluation policy of one check: timeout, caching, background mode and flap damping.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The name of a registered check.</param>
    /// <param name="configure">Changes the check's <see cref="HealthCheckPolicy"/>; unset properties inherit
    /// <see cref="HealthKitOptions.Defaults"/>.</param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>Runs after the configuration section <c>HealthKit:Checks:&lt;name&gt;</c> is bound.</remarks>
    public static IHealthChecksBuilder ConfigureCheck(this IHealthChecksBuilder builder, string name, Action<HealthCheckPolicy> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);

        builder.Services.Configure<HealthKitOptions>(options =>
        {
            if (!options.Checks.TryGetValue(name, out var policy))
            {
                policy = new HealthCheckPolicy();
                options.Checks[name] = policy;
            }

            configure(policy);
        });
        return builder;
    }

    /// <summary>
    /// Allows keys under <c>HealthKit:Checks:&lt;name&gt;</c> that HealthKit does not read itself, because other code
    /// reads them. Any other unknown key in that section stops the application at startup.
    /// </summary>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="keys">
    /// Keys directly below the check's section, such as <c>ConnectionString</c>; everything below an allowed key is
    /// allowed too, and none of it is checked.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    /// <exception cref="ArgumentException">A key is empty or contains <c>:</c>.</exception>
    public static IHealthChecksBuilder AllowConfigurationKeys(this IHealthChecksBuilder builder, string name, params string[] keys)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(keys);
        foreach (var key in keys)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Contains(':', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{key}' is not a key directly below HealthKit:Checks:{name}; give the first segment only, such as 'ConnectionString'.", nameof(keys));
            }
        }

        ConfigurationBinding.AllowKeys(builder.Services, name, [.. keys]);
        return builder;
    }

    /// <summary>
    /// Registers a check whose options are bound from <c>HealthKit:Checks:&lt;name&gt;</c>, then changed by
    /// <paramref name="configure"/>, then validated by any <see cref="IValidateOptions{TOptions}"/> registered for
    /// <typeparamref name="TOptions"/> when the check is first resolved, which happens at startup.
    /// </summary>
    /// <typeparam name="TOptions">The check's options.</typeparam>
    /// <param name="builder">The health checks builder.</param>
    /// <param name="name">The check's name; it must be unique.</param>
    /// <param name="configure">Changes the options after configuration is bound; may be <see langword="null"/>.</param>
    /// <param name="factory">
    /// Creates the check once, when the registrations are first read at startup, so that a missing dependency stops the
    /// application there. The instance serves every run, so it must be thread-safe.
    /// </param>
    /// <returns>The same builder, for chaining.</returns>
    /// <remarks>
    /// On every configuration reload the options are bound, configured and validated again, and an invalid value rejects
    /// the whole reload; the instance passed to <paramref name="factory"/> is the one from startup.
    /// </remarks>
    public static IHealthChecksBuilder AddHealthKitCheck<TOptions>(
        this IHealthChecksBuilder builder,
        string name,
        Action<TOptions>? configure,
        Func<IServiceProvider, TOptions, IHealthCheck> factory)
        where TOptions : HealthKitCheckOptions, new()
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);

        ConfigurationBinding.AddCheckOptions<TOptions>(builder.Services, name);
        var optionsBuilder = builder.Services.AddOptions<TOptions>(name);
        optionsBuilder.Configure<IServiceProvider>((options, services) =>
            ConfigurationBinding.BindCheck(services, name, options));
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.ValidateOnStart();
        builder.Services.AddKeyedSingleton(name, (services, _) => new LiveCheckOptions<TOptions>(
            name,
            services.GetRequiredService<IOptionsMonitor<TOptions>>().Get(name),
            services.GetRequiredService<IOptionsFactory<TOptions>>()));
        builder.Services.AddSingleton<ILiveCheckOptions>(services => services.GetRequiredKeyedService<LiveCheckOptions<TOptions>>(name));

        // The registration is created when HealthCheckServiceOptions is first read, so that its tags and failure status
        // can come from configuration. The check is created right then, once, and shared by every run.
        builder.Services.AddOptions<HealthCheckServiceOptions>()
            .Configure<IOptionsMonitor<TOptions>, IServiceProvider>((serviceOptions, monitor, services) =>
            {
                var options = monitor.Get(name);
                var check = factory(services, options);
                serviceOptions.Registrations.Add(new HealthCheckRegistration(
                    name,
                    _ => check,
                    options.FailureStatus,
                    options.Tags));
            });
        return builder;
    }
}

using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace HealthKit.Internal;

/// <summary>
/// Binds HealthKit's configuration sections when the application has an <see cref="IConfiguration"/>, after checking
/// every key and value in them (see <see cref="ConfigurationWalker"/>).
/// </summary>
internal static class ConfigurationBinding
{
    internal const string ChecksSection = HealthKitOptions.SectionName + ":Checks";

    internal static string CheckKey(string name) => ChecksSection + ":" + name;

    /// <summary>Records that <typeparamref name="TOptions"/> is bound from the check's section, so its keys are known.</summary>
    internal static void AddCheckOptions<TOptions>(IServiceCollection services, string name) =>
        services.AddSingleton(new CheckConfigurationDescriptor(name, typeof(TOptions), []));

    /// <summary>Records keys that other code reads from the check's section, so that they are not reported as unknown.</summary>
    internal static void AllowKeys(IServiceCollection services, string name, IReadOnlyList<string> keys) =>
        services.AddSingleton(new CheckConfigurationDescriptor(name, null, keys));

    /// <summary>Records that <typeparamref name="TOptions"/> is bound from <c>HealthKit:</c><paramref name="key"/>, so the root's validation knows the key.</summary>
    internal static SectionConfigurationDescriptor AddSectionOptions<TOptions>(IServiceCollection services, string key)
    {
        var descriptor = new SectionConfigurationDescriptor(key, typeof(TOptions));
        services.AddSingleton(descriptor);
        return descriptor;
    }

    /// <summary>Checks every key and value under the section, then binds it to <paramref name="options"/>.</summary>
    /// <exception cref="OptionsValidationException">A key under the section is unknown, or a value does not convert.</exception>
    internal static void BindSection(IServiceProvider services, SectionConfigurationDescriptor section, object options)
    {
        if (services.GetService<IConfiguration>() is not { } configuration)
        {
            return;
        }

        var errors = ConfigurationWalker.ValidateSection(configuration, section);
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, section.OptionsType, errors);
        }

        configuration.GetSection(section.Path).Bind(options);
    }

    /// <exception cref="OptionsValidationException">A key under <c>HealthKit</c> is unknown, or a value does not convert.</exception>
    internal static void BindRoot(IServiceProvider services, HealthKitOptions options)
    {
        if (services.GetService<IConfiguration>() is not { } configuration)
        {
            return;
        }

        var errors = ConfigurationWalker.ValidateRoot(configuration, services.GetServices<CheckConfigurationDescriptor>(), services.GetServices<SectionConfigurationDescriptor>());
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(HealthKitOptions), errors);
        }

        var section = configuration.GetSection(HealthKitOptions.SectionName);
        var endpoints = options.Endpoints.All.ToList();
        var setInCode = endpoints.ConvertAll(endpoint => endpoint.DetailLevelSet);
        section.Bind(options);
        for (var i = 0; i < endpoints.Count; i++)
        {
            var key = $"{nameof(HealthKitOptions.Endpoints)}:{endpoints[i].Key}:{nameof(HealthEndpointOptions.DetailLevel)}";
            endpoints[i].DetailLevelSet = setInCode[i] || !string.IsNullOrEmpty(section[key]);
        }
    }

    /// <exception cref="OptionsValidationException">A key under the check's section is unknown, or a value does not convert.</exception>
    internal static void BindCheck(IServiceProvider services, string name, object options)
    {
        if (services.GetService<IConfiguration>() is not { } configuration)
        {
            return;
        }

        // Usually HealthKitOptions is bound first and has already stopped startup; checking again here covers a check
        // added without AddHealthKit, and an application that resolves the check's options first.
        var errors = ConfigurationWalker.ValidateCheck(configuration, name, services.GetServices<CheckConfigurationDescriptor>());
        if (errors.Count > 0)
        {
            throw new OptionsValidationException(name, options.GetType(), errors);
        }

        configuration.GetSection(CheckKey(name)).Bind(options);
    }
}

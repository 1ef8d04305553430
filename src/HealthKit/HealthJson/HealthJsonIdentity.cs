using System.Reflection;
using Microsoft.Extensions.Hosting;

namespace HealthKit.HealthJson;

/// <summary>
/// What an <c>application/health+json</c> answer says about the service itself, worked out once at startup from
/// <see cref="HealthJsonOptions"/>, the host environment and the entry assembly.
/// </summary>
internal sealed class HealthJsonIdentity
{
    public HealthJsonIdentity(HealthKitOptions options, IHostEnvironment? environment)
        : this(options.HealthJson, environment?.ApplicationName, Assembly.GetEntryAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion)
    {
    }

    internal HealthJsonIdentity(HealthJsonOptions options, string? applicationName, string? informationalVersion)
    {
        Enabled = options.Enabled;
        ServiceId = NullIfEmpty(options.ServiceId) ?? NullIfEmpty(applicationName);
        Description = NullIfEmpty(options.Description);
        var plus = informationalVersion?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        Version = NullIfEmpty(options.Version) ?? NullIfEmpty(plus >= 0 ? informationalVersion![..plus] : informationalVersion);
        ReleaseId = NullIfEmpty(options.ReleaseId) ?? (plus >= 0 ? informationalVersion : null);
        Measurements = new Dictionary<string, HealthJsonMeasurement>(options.Measurements, StringComparer.OrdinalIgnoreCase);
    }

    public bool Enabled { get; }

    public string? ServiceId { get; }

    public string? Version { get; }

    public string? ReleaseId { get; }

    public string? Description { get; }

    public IReadOnlyDictionary<string, HealthJsonMeasurement> Measurements { get; }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

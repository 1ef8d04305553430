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
        Anonymous = new HealthJsonIdentity(this);
    }

    /// <summary>The same identity without <see cref="Version"/> and <see cref="ReleaseId"/>.</summary>
    private HealthJsonIdentity(HealthJsonIdentity full)
    {
        Enabled = full.Enabled;
        ServiceId = full.ServiceId;
        Description = full.Description;
        Measurements = full.Measurements;
        Anonymous = this;
    }

    public bool Enabled { get; }

    public string? ServiceId { get; }

    public string? Version { get; }

    public string? ReleaseId { get; }

    public string? Description { get; }

    public IReadOnlyDictionary<string, HealthJsonMeasurement> Measurements { get; }

    /// <summary>
    /// What a caller sees whose detail level only <c>?verbose</c> raised to Components: no <see cref="Version"/> and no
    /// <see cref="ReleaseId"/>, which name the exact build (often its commit) an attacker would look up.
    /// </summary>
    public HealthJsonIdentity Anonymous { get; }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

namespace HealthKit;

/// <summary>
/// The four endpoints <c>MapHealthKit</c> maps.
/// </summary>
public sealed class HealthKitEndpointsOptions
{
    /// <summary>Gets the options of the aggregate endpoint, <c>/health</c>, which runs every check.</summary>
    public HealthEndpointOptions Health { get; } = new(nameof(Health), string.Empty, null, HealthDetailLevel.Components);

    /// <summary>Gets the options of <c>/health/live</c>, which runs checks tagged <see cref="HealthKitTags.Live"/>.</summary>
    public HealthEndpointOptions Live { get; } = new(nameof(Live), "live", HealthKitTags.Live, HealthDetailLevel.Status);

    /// <summary>Gets the options of <c>/health/ready</c>, which runs checks tagged <see cref="HealthKitTags.Ready"/>.</summary>
    public HealthEndpointOptions Ready { get; } = new(nameof(Ready), "ready", HealthKitTags.Ready, HealthDetailLevel.Status);

    /// <summary>Gets the options of <c>/health/startup</c>, which runs checks tagged <see cref="HealthKitTags.Startup"/>.</summary>
    public HealthEndpointOptions Startup { get; } = new(nameof(Startup), "startup", HealthKitTags.Startup, HealthDetailLevel.Status);

    internal IEnumerable<HealthEndpointOptions> All => [Health, Live, Ready, Startup];
}

namespace HealthKit.Internal;

/// <summary>
/// A section directly under <c>HealthKit</c> that another HealthKit package binds to options of its own, such as
/// <c>HealthKit:Grpc</c>: known to the root's validation, and checked against <paramref name="OptionsType"/> when it is
/// bound.
/// </summary>
/// <param name="Key">The section's key below <c>HealthKit</c>, such as <c>Grpc</c>.</param>
/// <param name="OptionsType">The options bound from the section.</param>
internal sealed record SectionConfigurationDescriptor(string Key, Type OptionsType)
{
    /// <summary>The section's full path, such as <c>HealthKit:Grpc</c>.</summary>
    public string Path => HealthKitOptions.SectionName + ":" + Key;
}

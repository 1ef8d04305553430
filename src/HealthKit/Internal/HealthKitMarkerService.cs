namespace HealthKit.Internal;

/// <summary>Registered by <c>AddHealthKit</c>, so that <c>MapHealthKit</c> can tell it was called.</summary>
internal sealed class HealthKitMarkerService;

namespace HealthKit.Endpoints;

/// <summary>Marks HealthKit's own endpoints, so that the latency middleware leaves them out.</summary>
internal sealed class HealthKitEndpointMetadata
{
    public static readonly HealthKitEndpointMetadata Instance = new();

    private HealthKitEndpointMetadata()
    {
    }
}

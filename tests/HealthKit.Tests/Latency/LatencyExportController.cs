using Microsoft.AspNetCore.Mvc;

namespace HealthKit.Tests.Latency;

/// <summary>A controller whose every action streams for as long as the client keeps reading, marked as such.</summary>
[ExcludeFromLatency]
public sealed class LatencyExportController : ControllerBase
{
    [HttpGet("/controller-export")]
    public Task Export() => LatencyExclusionTests.StreamTextAsync(HttpContext);
}

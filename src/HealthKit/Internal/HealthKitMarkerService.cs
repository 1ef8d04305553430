namespace HealthKit.Internal;

/// <summary>
/// Registered by <c>AddHealthKit</c>, so that <c>MapHealthKit</c> can tell it was called; it also remembers where
/// HealthKit has been mapped, so that a second mapping at the same prefix fails at once.
/// </summary>
internal sealed class HealthKitMarkerService
{
    private readonly Lock _gate = new();
    private readonly List<(object Routes, string Prefix, string Origin)> _mappings = [];

    /// <summary>
    /// Records a mapping at <paramref name="prefix"/> on the route table <paramref name="routes"/>, or returns the origin
    /// of an earlier mapping there.
    /// </summary>
    /// <returns><see langword="null"/> when recorded; otherwise the earlier mapping's origin.</returns>
    public string? TryAddMapping(object routes, string prefix, string origin)
    {
        lock (_gate)
        {
            foreach (var mapping in _mappings)
            {
                // Routing matches paths case-insensitively, so "/Health" and "/health" collide.
                if (ReferenceEquals(mapping.Routes, routes) && string.Equals(mapping.Prefix, prefix, StringComparison.OrdinalIgnoreCase))
                {
                    return mapping.Origin;
                }
            }

            _mappings.Add((routes, prefix, origin));
            return null;
        }
    }
}

namespace HealthKit.Internal;

/// <summary>
/// Registered by <c>AddHealthKit</c>, so that <c>MapHealthKit</c> can tell it was called; it also remembers where
/// HealthKit has been mapped, so that a second mapping at the same prefix fails at once.
/// </summary>
internal sealed class HealthKitMarkerService
{
    private readonly Lock _gate = new();
    private readonly List<(object Routes, string Prefix, string Origin)> _mappings = [];
    private readonly List<object> _watched = [];
    private volatile string[] _paths = [];
    private volatile string[] _pathPrefixes = [];

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

    /// <summary>Whether <paramref name="routes"/> is seen for the first time, so that its collisions are reported once.</summary>
    public bool TryWatchCollisions(object routes)
    {
        lock (_gate)
        {
            if (_watched.Exists(watched => ReferenceEquals(watched, routes)))
            {
                return false;
            }

            _watched.Add(routes);
            return true;
        }
    }

    /// <summary>Records the paths of mapped endpoints: <paramref name="exact"/> ones, and prefixes of parameterised ones.</summary>
    public void AddPaths(IEnumerable<string> exact, IEnumerable<string> prefixes)
    {
        lock (_gate)
        {
            _paths = [.. _paths.Concat(exact.Select(TrimSlash)).Distinct(StringComparer.OrdinalIgnoreCase)];
            _pathPrefixes = [.. _pathPrefixes.Concat(prefixes).Distinct(StringComparer.OrdinalIgnoreCase)];
        }
    }

    /// <summary>Whether <paramref name="path"/> is one HealthKit mapped; matched as routing matches, ignoring case and a trailing '/'.</summary>
    public bool IsMappedPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return false;
        }

        var trimmed = TrimSlash(path);
        foreach (var mapped in _paths)
        {
            if (string.Equals(mapped, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        foreach (var prefix in _pathPrefixes)
        {
            // The prefix ends with '/'; a parameter needs at least one character after it, and no further segment.
            if (trimmed.Length > prefix.Length
                && trimmed.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)
                && trimmed.IndexOf('/', prefix.Length) < 0)
            {
                return true;
            }
        }

        return false;
    }

    private static string TrimSlash(string path) => path.Length > 1 && path[^1] == '/' ? path[..^1] : path;
}

namespace HealthKit;

/// <summary>
/// The HTML status page that HealthKit's endpoints answer to a browser, bound from <c>HealthKit:StatusPage</c>.
/// </summary>
/// <remarks>
/// A request whose <c>Accept</c> header names <c>text/html</c> (with a quality above zero, and above any it gives
/// <c>application/json</c>) gets the page; every other request, including the kubelet's <c>*/*</c>, gets the JSON. The
/// page shows exactly what the JSON shows at the request's detail level, with the same status code and no-cache headers,
/// and is sent with a Content-Security-Policy that allows no script and no external resource.
/// </remarks>
public sealed class HealthKitStatusPageOptions
{
    /// <summary>The longest <see cref="RefreshInterval"/> accepted: one hour.</summary>
    internal static readonly TimeSpan MaxRefreshInterval = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets whether browsers get the status page. When off, every request gets the JSON.
    /// </summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets how often the page reloads itself.
    /// </summary>
    /// <value>
    /// The default is 10 seconds. It must be zero (the page does not reload) or whole seconds from 1 second to 1 hour.
    /// </value>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(10);
}

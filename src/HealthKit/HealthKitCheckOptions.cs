using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace HealthKit;

/// <summary>
/// The base class of every HealthKit check's options: the settings that decide where the check is reported.
/// </summary>
/// <remarks>
/// Options of a check named <c>disk</c> are bound from the configuration section <c>HealthKit:Checks:disk</c> first, then
/// the registration's <c>Action&lt;TOptions&gt;</c> runs, then the options are validated when the application starts, and
/// again, in full, whenever the configuration reloads: an invalid reload is rejected and changes nothing.
/// Configuration adds to <see cref="Tags"/>; clear it in code to drop the default tags. <see cref="Tags"/> and
/// <see cref="FailureStatus"/> are read once, at startup.
/// </remarks>
public abstract class HealthKitCheckOptions
{
    /// <summary>
    /// Initializes a new instance with the given default tags.
    /// </summary>
    /// <param name="defaultTags">The tags the check carries unless changed.</param>
    protected HealthKitCheckOptions(params string[] defaultTags)
    {
        ArgumentNullException.ThrowIfNull(defaultTags);
        foreach (var tag in defaultTags)
        {
            Tags.Add(tag);
        }
    }

    /// <summary>
    /// Gets the tags of the check, which select the endpoints it runs on (see <see cref="HealthKitTags"/>).
    /// </summary>
    /// <value>The default depends on the check; dependency checks default to <see cref="HealthKitTags.Ready"/>.</value>
    public ICollection<string> Tags { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Gets or sets the status reported when the check fails, throws or times out.
    /// </summary>
    /// <value>The default is <see cref="HealthStatus.Unhealthy"/>.</value>
    public HealthStatus FailureStatus { get; set; } = HealthStatus.Unhealthy;
}

namespace HealthKit;

/// <summary>
/// What one check measures, for <c>application/health+json</c>: the <c>measurement</c> part of its
/// <c>component:measurement</c> key, and where its <c>observedValue</c> comes from in the check's data.
/// </summary>
public sealed class HealthJsonMeasurement
{
    /// <summary>Gets or sets the measurement's name, such as <c>responseTime</c> or <c>utilization</c>.</summary>
    /// <value>The default is empty, which the application refuses at startup.</value>
    public string Name { get; set; } = string.Empty;

    /// <summary>Gets or sets the <c>observedUnit</c>, such as <c>ms</c> or <c>percent</c>.</summary>
    /// <value>The default is <see langword="null"/>: no unit.</value>
    public string? Unit { get; set; }

    /// <summary>
    /// Gets or sets the <c>componentType</c>: <c>component</c>, <c>datastore</c> or <c>system</c> (or a URI of your own).
    /// </summary>
    /// <value>The default is <c>component</c>.</value>
    public string ComponentType { get; set; } = "component";

    /// <summary>
    /// Gets or sets the key of the check's data that holds the <c>observedValue</c>, a number. When the data holds
    /// objects with that key instead (one per disk path, say), each object is reported as a component of its own, with
    /// the object's key as its <c>componentId</c>.
    /// </summary>
    /// <value>The default is <see langword="null"/>: no <c>observedValue</c>.</value>
    public string? DataKey { get; set; }

    /// <summary>Turns the value under <see cref="DataKey"/> into the reported one (free percent into used percent).</summary>
    internal Func<double, double>? Transform { get; init; }
}

namespace HealthKit.Internal;

/// <summary>
/// What may appear under <c>HealthKit:Checks:&lt;name&gt;</c> besides the evaluation policy: the options type a check
/// registered with <c>AddHealthKitCheck</c>, or keys that other code reads from that section.
/// </summary>
/// <param name="Name">The check's name.</param>
/// <param name="OptionsType">The options bound from the section, or <see langword="null"/>.</param>
/// <param name="AllowedKeys">Keys HealthKit leaves alone, with everything below them.</param>
internal sealed record CheckConfigurationDescriptor(string Name, Type? OptionsType, IReadOnlyList<string> AllowedKeys);

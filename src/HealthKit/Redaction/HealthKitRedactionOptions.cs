namespace HealthKit;

/// <summary>
/// The secrets HealthKit masks besides those it recognises on its own, bound from <c>HealthKit:Redaction</c>.
/// </summary>
/// <remarks>
/// A value is masked because of where it stands (under a key whose last word ends with a secret word) or because of what
/// it looks like (it matches a pattern). Both apply to descriptions, data keys and values, exception messages, logs and
/// spans, everywhere HealthKit's own rules apply.
/// </remarks>
public sealed class HealthKitRedactionOptions
{
    /// <summary>
    /// Gets the words that, at the end of a key's last word, make the key name a secret, in addition to the built-in
    /// ones (password, secret, key, token, credentials and their variants). Matching ignores case.
    /// </summary>
    /// <value>The default is empty. Each word must be letters and digits only.</value>
    public IList<string> SecretKeyWords { get; } = [];

    /// <summary>
    /// Gets regular expressions for secrets that name themselves, such as an in-house token format. The whole match is
    /// masked, or only the group named <c>secret</c> when the pattern has one.
    /// </summary>
    /// <value>
    /// The default is empty. Each pattern must be a valid .NET regular expression that does not match the empty text. A
    /// pattern runs with a 100 ms timeout per text; a text on which it times out is masked whole.
    /// </value>
    public IList<string> SecretPatterns { get; } = [];
}

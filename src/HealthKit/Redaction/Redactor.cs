using System.Diagnostics.CodeAnalysis;

namespace HealthKit.Redaction;

/// <summary>
/// The redaction boundary with the built-in rules only, for places that have no <see cref="HealthKitOptions"/> at hand,
/// and the stand-in for exceptions handed to loggers. See <see cref="SecretRedactor"/> for what is recognised.
/// </summary>
internal static class Redactor
{
    /// <summary>What a redacted value is replaced with.</summary>
    public const string Mask = "******";

    private const int MaxExceptionDepth = 8;
    private const int MaxExceptions = 64;

    /// <summary>Whether a value stored under <paramref name="key"/> must be replaced by <see cref="Mask"/>.</summary>
    public static bool IsSecretKey([NotNullWhen(true)] string? key) => SecretRedactor.Default.IsSecretKey(key);

    /// <summary>Masks the secrets <paramref name="text"/> carries, by the built-in rules.</summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? RedactText(string? text) => SecretRedactor.Default.Redact(text);

    /// <summary>
    /// Free text for a log line or a span: secrets masked, cut at <see cref="TextBounds.MaxTextLength"/>, and control
    /// characters, line breaks and bidirectional overrides escaped, so that it can neither hide text nor start a line.
    /// </summary>
    [return: NotNullIfNotNull(nameof(text))]
    public static string? ForLog(string? text, SecretRedactor? redactor = null, int maxLength = TextBounds.MaxTextLength) =>
        text is null ? null : (redactor ?? SecretRedactor.Default).Bounded(text, maxLength);

    /// <summary>
    /// A stand-in for <paramref name="exception"/> to hand to a logger: the same type name, stack traces and inner
    /// exceptions (each wrapped the same way), with every message passed through <see cref="ForLog"/>.
    /// </summary>
    [return: NotNullIfNotNull(nameof(exception))]
    public static Exception? ForLogging(Exception? exception, SecretRedactor? redactor = null)
    {
        if (exception is null or RedactedException)
        {
            return exception;
        }

        var budget = MaxExceptions;
        return Wrap(exception, 0, ref budget, redactor ?? SecretRedactor.Default);
    }

    private static RedactedException Wrap(Exception exception, int depth, ref int budget, SecretRedactor redactor)
    {
        budget--;
        List<Exception>? inner = null;
        if (depth < MaxExceptionDepth)
        {
            if (exception is AggregateException aggregate)
            {
                foreach (var item in aggregate.InnerExceptions)
                {
                    if (budget <= 0)
                    {
                        break;
                    }

                    (inner ??= []).Add(Wrap(item, depth + 1, ref budget, redactor));
                }
            }
            else if (exception.InnerException is { } single && budget > 0)
            {
                inner = [Wrap(single, depth + 1, ref budget, redactor)];
            }
        }

        return new RedactedException(exception, ForLog(ExceptionMembers.Message(exception), redactor), inner, exception is AggregateException);
    }
}

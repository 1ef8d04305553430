using System.Globalization;
using System.Text;

namespace HealthKit.Redaction;

/// <summary>
/// What HealthKit hands to a logger instead of an exception it caught: the original's type name, stack trace and inner
/// exceptions, with redacted messages. Built by <see cref="Redactor.ForLogging"/>; never thrown.
/// </summary>
/// <remarks>
/// Loggers print <see cref="ToString"/>, so it is written in the runtime's own layout (type: message, inner exceptions,
/// stack trace, and an aggregate's further inner exceptions) and reads like the original's. The original's
/// <see cref="Exception.Data"/> is not carried over: it may hold anything.
/// </remarks>
#pragma warning disable CA1032, CA1064 // Never thrown or caught, so neither the standard constructors nor public visibility apply.
internal sealed class RedactedException : Exception
#pragma warning restore CA1032, CA1064
{
    private const string InnerPrefix = " ---> ";
    private const string EndOfInnerStack = "   --- End of inner exception stack trace ---";

    private readonly string? _stackTrace;

    /// <summary>Stands for <paramref name="original"/>; <paramref name="innerExceptions"/> is null or holds at least one.</summary>
    public RedactedException(Exception original, string message, IReadOnlyList<Exception>? innerExceptions, bool isAggregate)
        : base(message, innerExceptions?[0])
    {
        OriginalType = original.GetType().ToString();
        _stackTrace = ExceptionMembers.StackTrace(original);
        HResult = original.HResult;
        InnerExceptions = innerExceptions ?? [];
        IsAggregate = isAggregate;
    }

    /// <summary>The full name of the exception this one stands for, e.g. <c>System.InvalidOperationException</c>.</summary>
    public string OriginalType { get; }

    /// <summary>The wrapped inner exceptions: all of an aggregate's, or the one inner exception.</summary>
    public IReadOnlyList<Exception> InnerExceptions { get; }

    /// <summary>Whether the original was an <see cref="AggregateException"/>.</summary>
    public bool IsAggregate { get; }

    /// <inheritdoc />
    public override string? StackTrace => _stackTrace;

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder(OriginalType);
        if (Message.Length > 0)
        {
            text.Append(": ").Append(Message);
        }

        if (InnerException is { } inner)
        {
            text.Append(Environment.NewLine).Append(InnerPrefix).Append(inner).Append(Environment.NewLine).Append(EndOfInnerStack);
        }

        if (_stackTrace is not null)
        {
            text.Append(Environment.NewLine).Append(_stackTrace);
        }

        if (IsAggregate)
        {
            for (var i = 1; i < InnerExceptions.Count; i++)
            {
                text.Append(Environment.NewLine).Append(InnerPrefix)
                    .Append(CultureInfo.InvariantCulture, $"(Inner Exception #{i}) ")
                    .Append(InnerExceptions[i]).Append("<---").AppendLine();
            }
        }

        return text.ToString();
    }
}

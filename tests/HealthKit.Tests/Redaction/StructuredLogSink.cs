using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Redaction;

/// <summary>
/// Captures every log record with everything a log shipper could send: the formatted message, every structured value
/// and the exception, both as the object handed over and as its text.
/// </summary>
internal sealed class StructuredLogSink : ILoggerProvider
{
    public ConcurrentQueue<Record> Records { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    internal sealed record Record(string Category, LogLevel Level, EventId EventId, string Message, string[] Values, Exception? Exception)
    {
        /// <summary>Every text of the record a reader could see.</summary>
        public IEnumerable<string> Texts()
        {
            yield return Message;
            foreach (var value in Values)
            {
                yield return value;
            }

            for (var exception = Exception; exception is not null; exception = exception.InnerException)
            {
                yield return exception.ToString();
                yield return exception.Message;
            }
        }
    }

    private sealed class Logger(StructuredLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.Select(p => p.Key + "=" + Convert.ToString(p.Value, CultureInfo.InvariantCulture)).ToArray()
                : [];
            sink.Records.Enqueue(new Record(category, logLevel, eventId, formatter(state, exception), values, exception));
        }
    }
}

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace HealthKit.Tests.Infrastructure;

/// <summary>Captures every log entry, formatted, with its exception text.</summary>
internal sealed class TestLogSink : ILoggerProvider
{
    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public IEnumerable<Entry> ForEvent(int eventId, string eventName) =>
        Entries.Where(e => e.EventId.Id == eventId && e.EventId.Name == eventName);

    internal sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message, string? Exception);

    private sealed class Logger(TestLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Entries.Enqueue(new Entry(category, logLevel, eventId, formatter(state, exception), exception?.ToString()));
    }
}

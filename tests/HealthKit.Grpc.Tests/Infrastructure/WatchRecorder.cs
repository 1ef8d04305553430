using System.Collections.Concurrent;
using Grpc.Core;
using Grpc.Health.V1;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace HealthKit.Grpc.Tests.Infrastructure;

/// <summary>A Watch call whose messages are recorded as they arrive, by a reader of its own.</summary>
internal sealed class WatchRecorder : IAsyncDisposable
{
    private readonly AsyncServerStreamingCall<HealthCheckResponse> _call;
    private readonly ConcurrentQueue<ServingStatus> _messages = new();

    private WatchRecorder(AsyncServerStreamingCall<HealthCheckResponse> call)
    {
        _call = call;
        Completion = Task.Run(ReadAsync);
    }

    /// <summary>Completes when the server ends the stream; faults with the call's <see cref="RpcException"/> otherwise.</summary>
    public Task Completion { get; }

    public IReadOnlyList<ServingStatus> Messages => [.. _messages];

    public ServingStatus? Last => _messages.IsEmpty ? null : _messages.Last();

    public Status Status => _call.GetStatus();

    public Metadata Trailers => _call.GetTrailers();

    public static WatchRecorder Start(Health.HealthClient client, string service) =>
        new(client.Watch(new HealthCheckRequest { Service = service }));

    /// <summary>Waits, up to 20 s, until the last message received is <paramref name="status"/>.</summary>
    public Task LastIsAsync(ServingStatus status) =>
        Eventually.WaitUntilAsync(() => Last == status, TimeSpan.FromSeconds(20));

    private async Task ReadAsync()
    {
        while (await _call.ResponseStream.MoveNext(CancellationToken.None))
        {
            _messages.Enqueue(_call.ResponseStream.Current.Status);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _call.Dispose();
        await Completion.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}

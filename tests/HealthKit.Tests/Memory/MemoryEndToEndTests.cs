using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using HealthKit.Tests.Infrastructure;

namespace HealthKit.Tests.Memory;

/// <summary>
/// Runs the sample as a real process with a low GC heap hard limit and fills its heap through the sample's test-only
/// endpoint, watching <c>/health</c> turn Degraded and then Unhealthy.
/// </summary>
public sealed class MemoryEndToEndTests : IDisposable
{
    private const long HeapHardLimit = 128L * 1024 * 1024;
    private const double DegradedPercent = 50;
    private const double UnhealthyPercent = 75;

    private SampleProcess? _sample;

    [Fact]
    public async Task Sample_UnderAHeapHardLimit_GoesDegradedThenUnhealthy_AsItsHeapFills()
    {
        var port = FreePort();
        _sample = SampleProcess.Start(
            new Dictionary<string, string>
            {
                // The runtime reads this variable as hexadecimal bytes: 0x8000000 is 128 MiB.
                ["DOTNET_GCHeapHardLimit"] = HeapHardLimit.ToString("x"),
                ["Sample__AllocateEndpoint"] = "true",
                ["HealthKit__Endpoints__Health__DetailLevel"] = "Full",
                ["HealthKit__Checks__memory__CacheTtl"] = "00:00:00",
                ["HealthKit__Checks__memory__FailureCacheTtl"] = "00:00:00",
                ["HealthKit__Checks__memory__Degraded__MaximumUsedPercent"] = DegradedPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["HealthKit__Checks__memory__Unhealthy__MaximumUsedPercent"] = UnhealthyPercent.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            $"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilReady(client);

        var (status, memory) = await GetMemory(client);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Healthy", memory.GetProperty("status").GetString());
        var data = memory.GetProperty("data");
        Assert.Equal("GCHeapHardLimit", data.GetProperty("limitSource").GetString());
        Assert.Equal(HeapHardLimit, data.GetProperty("limitBytes").GetInt64());
        Assert.True(data.GetProperty("usedPercent").GetDouble() < DegradedPercent, memory.ToString());

        var seen = new List<(string Status, double Percent, int RetainedMiB)>();
        var retained = 0;
        for (var i = 0; i < 40 && seen.All(s => s.Status != "Unhealthy"); i++)
        {
            using (var allocated = await client.PostAsync(new Uri("/sample/allocate?mb=4", UriKind.Relative), content: null, TestContext.Current.CancellationToken))
            {
                Assert.Equal(HttpStatusCode.OK, allocated.StatusCode);
                retained = JsonDocument.Parse(await allocated.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.GetProperty("retainedMiB").GetInt32();
            }

            (status, memory) = await GetMemory(client);
            var entryStatus = memory.GetProperty("status").GetString()!;
            var percent = memory.GetProperty("data").GetProperty("usedPercent").GetDouble();
            seen.Add((entryStatus, percent, retained));
            Assert.Equal(entryStatus == "Unhealthy" ? HttpStatusCode.ServiceUnavailable : HttpStatusCode.OK, status);
        }

        var log = string.Join("; ", seen.Select(s => $"{s.RetainedMiB} MiB kept: {s.Status} at {s.Percent}%"));
        var firstDegraded = seen.FindIndex(s => s.Status == "Degraded");
        var firstUnhealthy = seen.FindIndex(s => s.Status == "Unhealthy");
        Assert.True(firstDegraded >= 0, "never Degraded: " + log);
        Assert.True(firstUnhealthy > firstDegraded, "not Unhealthy after Degraded: " + log);
        Assert.All(seen.Take(firstDegraded), s => Assert.Equal("Healthy", s.Status));
        Assert.InRange(seen[firstDegraded].Percent, DegradedPercent, UnhealthyPercent);
        Assert.True(seen[firstUnhealthy].Percent >= UnhealthyPercent, log);

        // What the heap holds now is what it was given, at least: the reading follows the allocations, not a guess.
        Assert.True(seen[firstUnhealthy].Percent * HeapHardLimit / 100 >= seen[firstUnhealthy].RetainedMiB * 1024.0 * 1024, log);
        Assert.False(_sample.Process.HasExited, _sample.Output);
    }

    [Fact]
    public async Task Sample_AllocateEndpoint_IsOffByDefault()
    {
        var port = FreePort();
        _sample = SampleProcess.Start(new Dictionary<string, string>(), $"http://127.0.0.1:{port}");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntilReady(client);

        using var response = await client.PostAsync(new Uri("/sample/allocate?mb=64", UriKind.Relative), content: null, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Memory)> GetMemory(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        return (response.StatusCode, JsonDocument.Parse(body).RootElement.GetProperty("entries").GetProperty("memory").Clone());
    }

    private async Task WaitUntilReady(HttpClient client)
    {
        for (var i = 0; i < 300; i++)
        {
            Assert.False(_sample!.Process.HasExited, "the sample exited during startup\n" + _sample.Output);
            try
            {
                using var response = await client.GetAsync(new Uri("/health/ready", UriKind.Relative), TestContext.Current.CancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        Assert.Fail("the sample was not ready within 30 s\n" + _sample!.Output);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public void Dispose() => _sample?.Dispose();
}

using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using HealthKit.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace HealthKit.Browser.Tests;

/// <summary>
/// The sample's status page in a real Chromium, served by the sample as a real process on a loopback port: statuses
/// read from the DOM, a check flipped by real slow requests, the page's own refresh picking the change up, an axe scan
/// of every state in light and dark, and a screenshot of each under <c>TestResults/screenshots</c>.
/// </summary>
public sealed partial class StatusPageBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private static readonly string[] SampleChecks = ["self", "startup", "availability", "database", "disk", "latency", "memory", "errors"];

    private static readonly TimeSpan StateChange = TimeSpan.FromSeconds(20);

    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "screenshots");

    [Theory]
    [InlineData("Full")]
    [InlineData("Components")]
    public async Task StatusPage_FollowsTheLatencyCheckFromHealthyToUnhealthy_AndPassesAxeInEveryState(string detailLevel)
    {
        using var sample = SampleProcess.Start(SampleEnvironment(detailLevel));
        var root = await AddressAsync(sample);
        using var http = new HttpClient { BaseAddress = root };

        // Enough fast requests for the latency check to judge, so it starts Healthy on its own numbers. The first warms
        // the process up alone, so that only one request can be slow for it.
        await RequestAsync(http, "/todos", 1);
        await RequestAsync(http, "/todos", 5);

        // The page starts from a Healthy app: on a loaded machine the first database round trip (a cold SQLite open)
        // can outlast the sample's 700 ms timeout, and that failure is cached for a second.
        await Eventually.WaitUntilAsync(
            async () =>
            {
                using var health = await http.GetAsync("/health", TestContext.Current.CancellationToken);
                return health.IsSuccessStatusCode;
            },
            StateChange);

        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        var navigations = new ConcurrentQueue<int>();
        page.Response += (_, response) =>
        {
            if (response.Request.IsNavigationRequest && response.Frame == page.MainFrame)
            {
                navigations.Enqueue(response.Status);
            }
        };

        var first = await page.GotoAsync(new Uri(root, "/health").ToString());
        Assert.NotNull(first);
        Assert.Equal(200, first.Status);
        var headers = await first.AllHeadersAsync();
        Assert.StartsWith("text/html", headers["content-type"], StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", headers["content-security-policy"], StringComparison.Ordinal);
        Assert.Equal("no-store, no-cache", headers["cache-control"]);

        // The page reloads every second, so everything read from its DOM is read from a copy that cannot reload (see
        // SnapshotAsync); the reloading page is only watched, with Playwright's retrying assertions.
        await SnapshotAsync(root, detailLevel, "healthy", expectedStatus: 200, async snapshot =>
        {
            var checks = await ChecksAsync(snapshot);
            Assert.Equal(SampleChecks, checks.Select(c => c.Name));
            Assert.All(checks, c => Assert.Equal("Healthy", c.Status));
            if (detailLevel == "Full")
            {
                Assert.Equal(SampleChecks.Length, await snapshot.Locator("li.check .duration").CountAsync());
                Assert.Matches(@"^p50 [\d.]+ ms, p95 [\d.]+ ms, p99 [\d.]+ ms over 6 requests$", await Latency(snapshot).Locator(".desc").InnerTextAsync());
                Assert.Equal("6", await Latency(snapshot).Locator("dt:text-is('requestCount') + dd").InnerTextAsync());
            }
            else
            {
                // Components: names and statuses, exactly as the JSON; nothing a check said about itself.
                Assert.Equal(0, await snapshot.Locator(".desc, .meta, dl, .tag").CountAsync());
            }
        });

        // 8 of 14 requests at 300 ms: the median is over the Degraded limit and under the Unhealthy one.
        await RequestAsync(http, "/slow?ms=300", 8);
        await Expect(Latency(page)).ToHaveAttributeAsync("data-status", "Degraded", new() { Timeout = (float)StateChange.TotalMilliseconds });
        await Expect(page.Locator("section.overall h1")).ToHaveTextAsync("Degraded");
        await SnapshotAsync(root, detailLevel, "degraded", expectedStatus: 200, snapshot => OnlyLatencyIsAsync(snapshot, "Degraded"));

        // 20 of 34 at 1.5 s: the median is over the Unhealthy limit.
        await RequestAsync(http, "/slow?ms=1500", 20);
        await Expect(Latency(page)).ToHaveAttributeAsync("data-status", "Unhealthy", new() { Timeout = (float)StateChange.TotalMilliseconds });
        await Expect(page.Locator("section.overall h1")).ToHaveTextAsync("Unhealthy");
        if (detailLevel == "Full")
        {
            // The check can turn Unhealthy before the last of the 20 slow answers is recorded, and its result is then
            // cached; the page's refresh brings the run that saw all 34.
            await Expect(Latency(page).Locator(".desc")).ToContainTextAsync("over 34 requests", new() { Timeout = (float)StateChange.TotalMilliseconds });
        }

        // The test never reloaded the page: every state after the first came through the page's own refresh, and the
        // Unhealthy one arrived as a 503 that still rendered.
        Assert.Contains(503, navigations);
        Assert.True(navigations.Count >= 3, $"expected the page to reload itself, saw {navigations.Count} navigations");

        await SnapshotAsync(root, detailLevel, "unhealthy", expectedStatus: 503, async snapshot =>
        {
            await OnlyLatencyIsAsync(snapshot, "Unhealthy");
            if (detailLevel == "Full")
            {
                Assert.Matches(@"p50 [\d.]+ ms, .* over 34 requests", await Latency(snapshot).Locator(".desc").InnerTextAsync());
            }
        });
    }

    [Fact]
    public async Task StatusPage_OnAProbeAtStatusLevel_ShowsTheOverallStatusOnly_AndFormatJsonStillGivesJson()
    {
        using var sample = SampleProcess.Start(SampleEnvironment("Components"));
        var root = await AddressAsync(sample);
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        var response = await page.GotoAsync(new Uri(root, "/health/ready").ToString());

        Assert.NotNull(response);
        Assert.Equal(200, response.Status);
        Assert.Equal("Healthy", await OverallAsync(page));
        Assert.Equal(0, await page.Locator("li.check").CountAsync());
        Assert.DoesNotContain("database", await page.Locator("body").InnerTextAsync(), StringComparison.Ordinal);
        await SnapshotAsync(root, "Status", "healthy", expectedStatus: 200, path: "/health/ready");

        Assert.Equal("1", (await response.AllHeadersAsync())["refresh"]);
        var paused = await page.RunAndWaitForResponseAsync(() => page.Locator("a.pause").ClickAsync(), r => r.Url.EndsWith("refresh=off", StringComparison.Ordinal));
        Assert.NotNull(paused);
        Assert.EndsWith("/health/ready?refresh=off", page.Url, StringComparison.Ordinal);
        Assert.False((await paused.AllHeadersAsync()).ContainsKey("refresh"));
        Assert.Equal(1, await page.Locator("a.resume").CountAsync());

        var json = await page.RunAndWaitForResponseAsync(() => page.Locator("a.json").ClickAsync(), r => r.Url.EndsWith("format=json", StringComparison.Ordinal));
        Assert.NotNull(json);
        Assert.StartsWith("application/json", (await json.AllHeadersAsync())["content-type"], StringComparison.Ordinal);
        Assert.EndsWith("/health/ready?refresh=off&format=json", page.Url, StringComparison.Ordinal);
        Assert.StartsWith("{\"status\":\"Healthy\"", await json.TextAsync(), StringComparison.Ordinal);
    }

    /// <summary>
    /// The sample in Production with a one-second reload, and latency limits on the median, so that a slow first request
    /// while the process warms up cannot move the check but a majority of slow requests does: Degraded above 200 ms,
    /// Unhealthy above 1 s. The slow requests sleep well clear of both limits, so a busy machine cannot blur the states.
    /// </summary>
    private static Dictionary<string, string> SampleEnvironment(string detailLevel) => new()
    {
        ["HealthKit__Endpoints__Health__DetailLevel"] = detailLevel,
        ["HealthKit__StatusPage__RefreshInterval"] = "00:00:01",
        ["HealthKit__Checks__latency__MinimumSamples"] = "5",
        ["HealthKit__Checks__latency__Degraded__P50"] = "00:00:00.200",
        ["HealthKit__Checks__latency__Degraded__P95"] = string.Empty,
        ["HealthKit__Checks__latency__Unhealthy__P50"] = "00:00:01",
        ["HealthKit__Checks__latency__Unhealthy__P99"] = string.Empty,

        // The screenshots show the root file system rather than the test's output folder.
        ["HealthKit__Checks__disk__Paths__0"] = "/",

        // Only the latency check may move: on a machine busy with other test runs, the sample's SQLite round trip once
        // took longer than its own 250 ms Degraded threshold.
        ["HealthKit__Checks__database__DegradedThreshold"] = "00:00:02",
    };

    private Task<IBrowserContext> NewContextAsync(ColorScheme scheme = ColorScheme.Light) =>
        chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 900, Height = 700 }, ColorScheme = scheme });

    private static ILocator Latency(IPage page) => page.Locator("li.check[data-check='latency']");

    private static async Task OnlyLatencyIsAsync(IPage page, string status)
    {
        var checks = await ChecksAsync(page);
        Assert.Equal(SampleChecks, checks.Select(c => c.Name));
        Assert.Equal(status, checks.Single(c => c.Name == "latency").Status);
        Assert.All(checks.Where(c => c.Name != "latency"), c => Assert.Equal("Healthy", c.Status));
    }

    private static async Task<string> OverallAsync(IPage page)
    {
        var overall = page.Locator("section.overall");
        var word = await overall.Locator("h1").InnerTextAsync();
        Assert.Equal(word, await overall.GetAttributeAsync("data-status"));
        return word;
    }

    private static async Task<(string Name, string Status)[]> ChecksAsync(IPage page)
    {
        var checks = new List<(string, string)>();
        foreach (var check in await page.Locator("li.check").AllAsync())
        {
            checks.Add((await check.Locator("h3").InnerTextAsync(), await check.Locator(".status").InnerTextAsync()));
        }

        return [.. checks];
    }

    /// <summary>
    /// Loads the page once more in a page that cannot refresh (its reloads are answered 204 No Content, which leaves the
    /// document as it is), so that <paramref name="inspect"/>, the axe scan and the screenshot see one stable document, in
    /// light and in dark.
    /// </summary>
    private async Task SnapshotAsync(Uri root, string detailLevel, string state, int expectedStatus, Func<IPage, Task>? inspect = null, string path = "/health")
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        foreach (var scheme in new[] { ColorScheme.Light, ColorScheme.Dark })
        {
            await using var context = await NewContextAsync(scheme);
            var page = await context.NewPageAsync();
            var loads = 0;
            await page.RouteAsync(new Regex("/health"), async route =>
            {
                if (Interlocked.Increment(ref loads) == 1)
                {
                    await route.ContinueAsync();
                }
                else
                {
                    await route.FulfillAsync(new() { Status = 204 });
                }
            });

            var response = await page.GotoAsync(new Uri(root, path).ToString());
            Assert.NotNull(response);
            Assert.Equal(expectedStatus, response.Status);
            Assert.Equal(state, (await OverallAsync(page)).ToLowerInvariant());
            if (inspect is not null)
            {
                await inspect(page);
            }

            var name = $"{detailLevel.ToLowerInvariant()}-{state}-{scheme.ToString().ToLowerInvariant()}.png";
            await page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name), FullPage = true });

            var axe = await page.RunAxe();
            Assert.True(
                axe.Violations.Length == 0,
                $"axe found violations on {name}: " + string.Join("; ", axe.Violations.Select(v =>
                    $"{v.Id} ({v.Help}) at {string.Join(", ", v.Nodes.Select(n => n.Html))}")));
        }
    }

    /// <summary>Sends <paramref name="count"/> requests at once and waits for every answer.</summary>
    private static Task RequestAsync(HttpClient http, string path, int count) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            using var response = await http.GetAsync(path, TestContext.Current.CancellationToken);
            response.EnsureSuccessStatusCode();
        }));

    private static async Task<Uri> AddressAsync(SampleProcess sample)
    {
        var address = await sample.WaitForAddressAsync(TimeSpan.FromSeconds(30));
        return new Uri(address.GetLeftPart(UriPartial.Authority));
    }
}

using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using HealthKit.Endpoints;
using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace HealthKit.Tests.Endpoints;

public sealed partial class StatusPageTests
{
    private const string Browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    private const string Hostile = "<script>alert(\"x\")</script> 'single' \"double\" & <img src=x onerror=alert(1)>";

    [GeneratedRegex("<style>(.*?)</style>", RegexOptions.Singleline)]
    private static partial Regex StyleElement();

    private static Task<TestHost> Start(
        IDictionary<string, string?>? configuration = null,
        string environment = "Production",
        Action<IHealthChecksBuilder>? checks = null) =>
        TestHost.StartAsync(
            b =>
            {
                var builder = b.Services.AddHealthKit();
                (checks ?? DefaultChecks)(builder);
            },
            configuration: configuration,
            environment: environment);

    private static void DefaultChecks(IHealthChecksBuilder builder) => builder
        .AddCheck("postgres", () => HealthCheckResult.Healthy("round trip 3 ms", new Dictionary<string, object> { ["roundTripMs"] = 3.2 }), [HealthKitTags.Ready])
        .AddCheck("latency", () => HealthCheckResult.Degraded("p95 1200 ms", data: new Dictionary<string, object> { ["p95Ms"] = 1200 }));

    [Theory]
    [InlineData("text/html")]
    [InlineData(Browser)]
    [InlineData("text/html, application/json;q=0.9")]
    [InlineData("application/json;q=0.5, text/html;q=0.8")]
    [InlineData("text/html, */*")]
    public async Task Accept_NamingHtmlAbovePlainJson_GetsThePage(string accept)
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health", accept);

        Assert.Equal(200, response.StatusCode);
        Assert.Equal("text/html", response.ContentType);
        Assert.StartsWith("<!DOCTYPE html>", response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("*/*")]
    [InlineData("application/json")]
    [InlineData("text/*")]
    [InlineData("text/html;q=0")]
    [InlineData("application/json, text/html")]
    [InlineData("text/html;q=0.5, application/json")]
    [InlineData("text/html;q=0.5, application/json;q=0.5")]
    [InlineData("application/xml")]
    [InlineData("text/htmlx")]
    public async Task Accept_WithoutAPreferenceForHtml_GetsJson(string? accept)
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health", accept);

        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("Degraded", response.Status);
        Assert.False(response.Headers.ContainsKey("Content-Security-Policy"));
    }

    [Fact]
    public async Task Format_InTheQuery_WinsOverABrowsersAccept()
    {
        await using var host = await Start();

        var json = await host.GetAsync("/health?format=json", Browser);
        var text = await host.GetAsync("/health?format=text", Browser);

        Assert.Equal("application/json", json.ContentType);
        Assert.Equal("Degraded", json.Status);
        Assert.Equal("text/plain", text.ContentType);
        Assert.Equal("Degraded\n", text.Body);
    }

    [Fact]
    public async Task Enabled_False_GivesBrowsersJson()
    {
        await using var host = await Start(new Dictionary<string, string?> { ["HealthKit:StatusPage:Enabled"] = "false" });

        var response = await host.GetAsync("/health", Browser);

        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("Degraded", response.Status);
    }

    [Fact]
    public async Task Page_SendsAStrictPolicyWhoseHashMatchesItsOnlyStyle_NosniffAndTheNoCacheHeaders()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health", Browser);

        var policy = response.Headers["Content-Security-Policy"];
        var directives = policy.Split(';', StringSplitOptions.TrimEntries).ToDictionary(d => d.Split(' ')[0], d => d);
        Assert.Equal("default-src 'none'", directives["default-src"]);
        Assert.Equal("base-uri 'none'", directives["base-uri"]);
        Assert.Equal("form-action 'none'", directives["form-action"]);
        Assert.Equal("frame-ancestors 'none'", directives["frame-ancestors"]);
        Assert.Equal("img-src data:", directives["img-src"]);
        Assert.False(directives.ContainsKey("script-src"));
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);

        var styles = StyleElement().Matches(response.Body);
        var style = Assert.Single(styles).Groups[1].Value;
        var hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(style)));
        Assert.Equal($"style-src 'sha256-{hash}'", directives["style-src"]);

        Assert.Equal("nosniff", response.Headers["X-Content-Type-Options"]);
        Assert.Equal("no-store, no-cache", response.CacheControl);
        Assert.Equal("no-cache", response.Headers["Pragma"]);
        Assert.Equal("Thu, 01 Jan 1970 00:00:00 GMT", response.Headers["Expires"]);
        Assert.DoesNotContain("<script", response.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" style=", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("http-equiv=\"refresh\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_EncodesDescriptionsDataAndQueryText()
    {
        await using var host = await Start(
            environment: "Development",
            checks: b => b.AddCheck(
                "db",
                () => HealthCheckResult.Unhealthy(Hostile, data: new Dictionary<string, object>
                {
                    ["<b>key</b>"] = Hostile,
                    ["nested"] = new Dictionary<string, object> { ["\"quoted\""] = "a & b" },
                    ["list"] = new[] { "<i>one</i>", "two" },
                })));

        var response = await host.GetAsync("/health?exclude=%3Cscript%3Ealert(1)%3C/script%3E&exclude=a%22b", Browser);

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("text/html", response.ContentType);
        var body = response.Body;
        Assert.DoesNotContain("<script", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", body, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>", body, StringComparison.Ordinal);
        Assert.DoesNotContain("a & b", body, StringComparison.Ordinal);

        // Check names cannot hold markup: registration refuses them (BoundaryTests).
        Assert.Contains("data-check=\"db\"", body, StringComparison.Ordinal);
        Assert.Contains("<h3>db</h3>", body, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &#x27;single&#x27; &quot;double&quot; &amp; &lt;img src=x onerror=alert(1)&gt;", body, StringComparison.Ordinal);
        Assert.Contains("<dt>&lt;b&gt;key&lt;/b&gt;</dt>", body, StringComparison.Ordinal);
        Assert.Contains("<dt>&quot;quoted&quot;</dt><dd>a &amp; b</dd>", body, StringComparison.Ordinal);
        Assert.Contains("[&lt;i&gt;one&lt;/i&gt;, two]", body, StringComparison.Ordinal);
        Assert.Contains("cannot exclude &#x27;&lt;script&gt;alert(1)&lt;/script&gt;&#x27;", body, StringComparison.Ordinal);
        Assert.Contains("cannot exclude &#x27;a&quot;b&#x27;", body, StringComparison.Ordinal);

        // The links repeat the query URL-encoded, then HTML-encoded: nothing in them can close the attribute.
        Assert.Contains("href=\"./health?exclude=%3Cscript%3Ealert(1)%3C%2Fscript%3E&amp;exclude=a%22b&amp;format=json\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_AtStatusLevel_ShowsTheOverallStatusOnly()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready", Browser);

        Assert.Equal(200, response.StatusCode);
        Assert.Contains("<h1 id=\"overall\">Healthy</h1>", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"check", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("postgres", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain(" checks", response.Body, StringComparison.Ordinal);
        Assert.Contains("<main>\n</main>\n<footer>\n<p>Detail level: Status (the overall status only) \u00b7 <a class=\"json\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_WithKnownExclusionsOnly_ListsThem_AndHasNoWarningsList()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health?exclude=latency", Browser);

        Assert.Equal(200, response.StatusCode);
        Assert.Contains(
            "<section class=\"notes\" aria-label=\"Query notes\">\n<p class=\"excluded\">Excluded: latency</p>\n</section>\n",
            response.Body,
            StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"warnings\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_AtComponentsLevel_ShowsNamesAndStatuses_NotDescriptionsOrData()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health", Browser);

        Assert.Equal(200, response.StatusCode);
        Assert.Contains("<h1 id=\"overall\">Degraded</h1>", response.Body, StringComparison.Ordinal);
        Assert.Contains("<title>! Degraded \u00b7 health \u00b7 HealthKit</title>\n<link rel=\"icon\" href=\"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23c27c00'/%3E%3C/svg%3E\">", response.Body, StringComparison.Ordinal);
        Assert.Contains("<section class=\"overall s-degraded\" data-status=\"Degraded\" aria-labelledby=\"overall\">\n<span class=\"sym\" aria-hidden=\"true\">!</span>", response.Body, StringComparison.Ordinal);
        Assert.Equal(
            ["self:Healthy", "startup:Healthy", "availability:Healthy", "postgres:Healthy", "latency:Degraded"],
            CheckStatuses(response.Body));
        Assert.Contains("5 checks: 4 healthy, 1 degraded", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("round trip", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("roundTripMs", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"meta\"", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("class=\"tag\"", response.Body, StringComparison.Ordinal);
        Assert.Contains(
            "<h3>latency</h3>\n<span class=\"badge\"><span aria-hidden=\"true\">!</span><span class=\"status\">Degraded</span></span>\n</div>\n" +
            "<div class=\"hist\">\n<span class=\"flaps\">1 change in 24 h</span>\n<ol class=\"timeline\" aria-label=\"Status changes of latency, oldest first\">\n<li class=\"s-degraded\" data-status=\"Degraded\"><time datetime=\"",
            response.Body,
            StringComparison.Ordinal);
        Assert.Contains(
            "<span aria-hidden=\"true\">!</span> Degraded</li>\n</ol>\n</div>\n</li>\n</ul>\n</main>\n" +
            "<footer>\n<p>Detail level: Components (names and statuses) \u00b7 <a class=\"json\"",
            response.Body,
            StringComparison.Ordinal);

        // The history's times and statuses are components; what each change said is not.
        Assert.DoesNotContain("class=\"changes\"", response.Body, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(response.Body, "class=\"timeline\""));
    }

    [Fact]
    public async Task Page_AtFullLevel_ShowsDescriptionsDataTagsAgesAndDurations()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 20, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                DefaultChecks(b.Services.AddHealthKit());
            },
            configuration: new Dictionary<string, string?> { ["HealthKit:Checks:postgres:CacheTtl"] = "00:01:00" },
            environment: "Development");

        await host.GetAsync("/health");
        time.Advance(TimeSpan.FromSeconds(42));
        var response = await host.GetAsync("/health", Browser);

        var body = response.Body;
        Assert.Equal(
            ["self:Healthy", "startup:Healthy", "availability:Healthy", "postgres:Healthy", "latency:Degraded"],
            CheckStatuses(body));
        Assert.Contains("<p class=\"desc\">round trip 3 ms</p>", body, StringComparison.Ordinal);
        Assert.Contains("<dt>roundTripMs</dt><dd>3.2</dd>", body, StringComparison.Ordinal);
        Assert.Contains("<dt>p95Ms</dt><dd>1200</dd>", body, StringComparison.Ordinal);
        Assert.Contains("<span class=\"tag\">ready</span>", body, StringComparison.Ordinal);
        Assert.Contains("datetime=\"2026-11-24T20:00:00.0000000Z\">42 s ago</time>", body, StringComparison.Ordinal);
        Assert.Equal(5, Regex.Count(body, "<span class=\"duration\">[^<]+ ms</span>"));
    }

    [Fact]
    public async Task Page_ForAnUnhealthyReport_Is503AndStillRendered()
    {
        await using var host = await Start(checks: b => b.AddCheck("disk", () => HealthCheckResult.Unhealthy("full"), [HealthKitTags.Ready]));

        var response = await host.GetAsync("/health/ready", Browser);

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("text/html", response.ContentType);
        Assert.Contains("<h1 id=\"overall\">Unhealthy</h1>", response.Body, StringComparison.Ordinal);
        Assert.Contains("data-status=\"Unhealthy\"", response.Body, StringComparison.Ordinal);
        Assert.EndsWith("</html>\n", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_ForOneCheck_NamesTheCheck_AndAnUnknownCheckIsStillA404InJson()
    {
        await using var host = await Start();

        var one = await host.GetAsync("/health/checks/latency", Browser);
        var unknown = await host.GetAsync("/health/checks/nope", Browser);

        Assert.Equal(["latency:Degraded"], CheckStatuses(one.Body));
        Assert.Contains("<title>! Degraded \u00b7 latency \u00b7 HealthKit</title>", one.Body, StringComparison.Ordinal);
        Assert.Equal(404, unknown.StatusCode);
        Assert.Equal("application/json", unknown.ContentType);
    }

    [Fact]
    public async Task Head_WithHtmlAccept_HasThePagesHeadersAndNoBody()
    {
        await using var host = await Start();
        using var request = new HttpRequestMessage(HttpMethod.Head, "/health");
        request.Headers.TryAddWithoutValidation("Accept", Browser);

        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("Content-Security-Policy"));
        Assert.Equal("10", Assert.Single(response.Headers.GetValues("Refresh")));
        Assert.Empty(await response.Content.ReadAsByteArrayAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Refresh_IsAHeaderOfTheConfiguredPeriod_AndThePageCanPauseIt()
    {
        await using var host = await Start(new Dictionary<string, string?> { ["HealthKit:StatusPage:RefreshInterval"] = "00:00:30" });

        var running = await host.GetAsync("/health?exclude=latency", Browser);
        var paused = await host.GetAsync("/health?exclude=latency&refresh=off", Browser);

        Assert.Equal("30", running.Headers["Refresh"]);
        Assert.Contains("reloads every 30 s (<a class=\"pause\" href=\"./health?exclude=latency&amp;refresh=off\">pause</a>)", running.Body, StringComparison.Ordinal);
        Assert.False(paused.Headers.ContainsKey("Refresh"));
        Assert.Contains("reloading paused (<a class=\"resume\" href=\"./health?exclude=latency\">resume</a>)", paused.Body, StringComparison.Ordinal);
        Assert.Equal(["self:Healthy", "startup:Healthy", "availability:Healthy", "postgres:Healthy"], CheckStatuses(paused.Body));
    }

    [Fact]
    public async Task Refresh_Zero_SendsNoRefreshAndOffersNoPause()
    {
        await using var host = await Start(new Dictionary<string, string?> { ["HealthKit:StatusPage:RefreshInterval"] = "00:00:00" });

        var response = await host.GetAsync("/health", Browser);

        Assert.False(response.Headers.ContainsKey("Refresh"));
        Assert.DoesNotContain("reload", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_WithAnyValueButOff_KeepsReloading()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health?refresh=on", Browser);

        Assert.Equal("10", response.Headers["Refresh"]);
        Assert.Contains(" \u00b7 reloads every 10 s (<a class=\"pause\" href=\"./health?refresh=off\">pause</a>)</p>", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("resume", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refresh_Off_WhenThePageNeverReloads_OffersNothingToResume()
    {
        await using var host = await Start(new Dictionary<string, string?> { ["HealthKit:StatusPage:RefreshInterval"] = "00:00:00" });

        var response = await host.GetAsync("/health?refresh=off", Browser);

        Assert.False(response.Headers.ContainsKey("Refresh"));
        Assert.DoesNotContain("reload", response.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("resume", response.Body, StringComparison.Ordinal);
        Assert.Contains(" UTC</time></p>\n</div>", response.Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:59", "59 s")]
    [InlineData("00:01:00", "1 min")]
    [InlineData("00:01:30", "90 s")]
    [InlineData("00:02:00", "2 min")]
    public async Task RefreshInterval_IsShownInSecondsUnlessItIsWholeMinutes(string value, string shown)
    {
        await using var host = await Start(new Dictionary<string, string?> { ["HealthKit:StatusPage:RefreshInterval"] = value });

        var response = await host.GetAsync("/health", Browser);

        Assert.Equal(((int)TimeSpan.Parse(value, System.Globalization.CultureInfo.InvariantCulture).TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers["Refresh"]);
        Assert.Contains($" \u00b7 reloads every {shown} (<a class=\"pause\"", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Accept_InTwoHeaderLinesThatBothNameHtml_GetsThePage()
    {
        await using var host = await Start();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.TryAddWithoutValidation("Accept", ["text/html", "application/xhtml+xml, text/html;q=0.9"]);

        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<!DOCTYPE html>", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_WhenEveryCheckIsHealthy_SaysSo()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health?exclude=latency", Browser);

        Assert.Contains("<p class=\"sub\">4 checks, all healthy \u00b7 answered in ", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_WithWarningsButNoExclusion_ListsOnlyTheWarnings()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health?exclude=nope", Browser);

        Assert.Contains(
            "<main>\n<section class=\"notes\" aria-label=\"Query notes\">\n<ul class=\"warnings\">\n<li>cannot exclude &#x27;nope&#x27;: this endpoint runs no check of that name</li>\n</ul>\n</section>\n<h2",
            response.Body,
            StringComparison.Ordinal);
        Assert.DoesNotContain("Excluded", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Page_AtAPathEndingInASlash_LinksToItsOwnDirectory()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/?exclude=latency", Browser);

        Assert.Equal("text/html", response.ContentType);
        Assert.Contains("(<a class=\"pause\" href=\".?exclude=latency&amp;refresh=off\">pause</a>)", response.Body, StringComparison.Ordinal);
        Assert.Contains("<a class=\"json\" href=\".?exclude=latency&amp;format=json\">View as JSON</a>", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public void PageLinks_ForARequestWithoutAPath_PointAtTheCurrentDirectory()
    {
        var context = new DefaultHttpContext();
        context.Features.GetRequiredFeature<IHttpRequestFeature>().Path = null!;

        var links = HtmlReportWriter.PageLinks.For(context.Request, paused: true);

        Assert.Equal(new HtmlReportWriter.PageLinks(".?format=json", ".?refresh=off", "."), links);
    }

    [Fact]
    public void PageLinks_KeepAQueryParameterWhoseValueIsNull_AsAnEmptyValue()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/health/ready";
        context.Request.Query = new QueryCollection(new Dictionary<string, StringValues>
        {
            ["flag"] = new StringValues([null]),
            ["refresh"] = "off",
        });

        var links = HtmlReportWriter.PageLinks.For(context.Request, paused: true);

        Assert.Equal(new HtmlReportWriter.PageLinks("./ready?flag=&refresh=off&format=json", "./ready?flag=&refresh=off", "./ready?flag="), links);
    }

    [Theory]
    [InlineData("HealthKit:StatusPage:RefreshInterval", "00:00:00.500", "HealthKit:StatusPage:RefreshInterval must be 00:00:00 (no automatic reload) or whole seconds from 00:00:01 to 01:00:00 (was 00:00:00.5000000)")]
    [InlineData("HealthKit:StatusPage:RefreshInterval", "00:00:01.500", "HealthKit:StatusPage:RefreshInterval must be")]
    [InlineData("HealthKit:StatusPage:RefreshInterval", "01:00:01", "HealthKit:StatusPage:RefreshInterval must be")]
    [InlineData("HealthKit:StatusPage:RefreshInterval", "-00:00:05", "HealthKit:StatusPage:RefreshInterval must be")]
    [InlineData("HealthKit:StatusPage:RefreshInterval", "10", "HealthKit:StatusPage:RefreshInterval must be")]
    [InlineData("HealthKit:StatusPage:RefreshInterval", "10s", "HealthKit:StatusPage:RefreshInterval ('10s') is not valid")]
    [InlineData("HealthKit:StatusPage:Enabled", "maybe", "HealthKit:StatusPage:Enabled ('maybe') is not valid")]
    [InlineData("HealthKit:StatusPage:RefreshIntreval", "00:00:05", "HealthKit:StatusPage:RefreshIntreval is not a HealthKit setting; did you mean 'RefreshInterval'")]
    [InlineData("HealthKit:StatusPage:Refresh", "00:00:05", "The keys under HealthKit:StatusPage are: Enabled, RefreshInterval.")]
    public async Task InvalidSetting_StopsStartup_NamingTheKey(string key, string value, string message)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => Start(new Dictionary<string, string?> { [key] = value }));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:01", "1")]
    [InlineData("01:00:00", "3600")]
    public async Task RefreshInterval_AtItsBounds_Starts(string value, string header)
    {
        await using var host = await Start(new Dictionary<string, string?> { ["HealthKit:StatusPage:RefreshInterval"] = value });

        Assert.Equal(header, (await host.GetAsync("/health", Browser)).Headers["Refresh"]);
    }

    [Theory]
    [InlineData(0.0, "<0.1 ms")]
    [InlineData(3.25, "3.3 ms")]
    [InlineData(0.04, "<0.1 ms")]
    [InlineData(0.05, "0.1 ms")]
    [InlineData(9.9, "9.9 ms")]
    [InlineData(10, "10 ms")]
    [InlineData(250.4, "250 ms")]
    [InlineData(999.4, "999 ms")]
    [InlineData(1000, "1.00 s")]
    [InlineData(1500, "1.50 s")]
    public void Duration_IsShortAndReadable(double milliseconds, string expected) =>
        Assert.Equal(expected, HtmlReportWriter.Duration(TimeSpan.FromMilliseconds(milliseconds)));

    [Theory]
    [InlineData(-5, "just now")]
    [InlineData(0.5, "just now")]
    [InlineData(1, "1 s ago")]
    [InlineData(59.9, "59 s ago")]
    [InlineData(60, "1 min ago")]
    [InlineData(125, "2 min ago")]
    [InlineData(3599, "59 min ago")]
    [InlineData(3600, "1 h ago")]
    [InlineData(7300, "2 h ago")]
    [InlineData(86399, "23 h ago")]
    [InlineData(86400, "1 d ago")]
    [InlineData(200000, "2 d ago")]
    public void Age_IsShortAndReadable(double seconds, string expected) =>
        Assert.Equal(expected, HtmlReportWriter.Age(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public async Task Page_ForARichReport_IsExactlyTheExpectedDocument()
    {
        // The clock only moves when the test (or a check, while it runs alone) moves it, so every time, age and duration
        // on the page is fixed. Each check is run once by itself through checks/{name}, then served from its cache.
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 20, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.StartAsync(
            b =>
            {
                b.Services.AddSingleton<TimeProvider>(time);
                RichChecks(b.Services.AddHealthKit(), time);
            },
            configuration: new Dictionary<string, string?>
            {
                ["HealthKit:IncludeExceptionDetails"] = "true",
                ["HealthKit:Endpoints:Health:Deadline"] = "00:00:10",
                ["HealthKit:Endpoints:Ready:Deadline"] = "00:00:10",
                ["HealthKit:Checks:queue:Timeout"] = "00:00:05",
                ["HealthKit:Defaults:CacheTtl"] = "1.00:00:00",
                ["HealthKit:Defaults:FailureCacheTtl"] = "1.00:00:00",
            },
            environment: "Development");

        await host.GetAsync("/health/checks/disk");
        await host.GetAsync("/health/checks/legacy");
        await host.GetAsync("/health/checks/archive");
        time.SetUtcNow(new DateTimeOffset(2026, 11, 24, 22, 4, 0, TimeSpan.Zero));
        await host.GetAsync("/health/checks/postgres");
        time.SetUtcNow(new DateTimeOffset(2026, 11, 24, 22, 8, 10, TimeSpan.Zero));
        await host.GetAsync("/health/checks/cache");
        time.SetUtcNow(new DateTimeOffset(2026, 11, 24, 22, 8, 58, TimeSpan.Zero));
        await host.GetAsync("/health/checks/queue");
        time.SetUtcNow(new DateTimeOffset(2026, 11, 24, 22, 9, 0, TimeSpan.Zero));

        // The readiness endpoint, at full detail in Development: the self check (live only) and its process figures
        // are not on it.
        var page = await host.GetAsync("/health/ready?exclude=legacy&exclude=startup&exclude=archive&exclude=nope", Browser);
        var one = await host.GetAsync("/health/checks/postgres", Browser);

        Assert.Equal(503, page.StatusCode);
        Assert.Equal("text/html", page.ContentType);
        Assert.Equal("no-referrer", page.Headers["Referrer-Policy"]);
        Assert.Equal("10", page.Headers["Refresh"]);
        AssertIsExpectedPage("StatusPage.expected.html", page.Body);

        Assert.Equal(200, one.StatusCode);
        Assert.Equal("no-referrer", one.Headers["Referrer-Policy"]);
        AssertIsExpectedPage("StatusPage.one-check.expected.html", one.Body);
    }

    private static void RichChecks(IHealthChecksBuilder builder, FakeTimeProvider time) => builder
        .AddCheck(
            "postgres",
            () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(3.25));
                return HealthCheckResult.Healthy("round trip 3 ms", new Dictionary<string, object>
                {
                    ["roundTripMs"] = 3.2,
                    ["server"] = new Dictionary<string, object>
                    {
                        ["version"] = "16.2",
                        ["pool"] = new Dictionary<string, object> { ["open"] = 3, ["idle"] = 1 },
                    },
                    ["replicas"] = new[] { "db-2", "db-3" },
                });
            },
            [HealthKitTags.Ready, "database"])
        .AddCheck(
            "cache",
            () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(250));
                return HealthCheckResult.Degraded("hit ratio 0.42, below 0.5", data: new Dictionary<string, object>
                {
                    ["hitRatio"] = 0.42,
                    ["shards"] = new object[]
                    {
                        new Dictionary<string, object> { ["id"] = 1, ["state"] = "ok" },
                        new Dictionary<string, object> { ["id"] = 2, ["state"] = "slow" },
                    },
                    ["mixed"] = new object[] { 1, new Dictionary<string, object> { ["nested"] = true } },
                    ["lastEviction"] = null!,
                    ["limits"] = new Dictionary<string, object>(),
                    ["evicting"] = false,
                });
            },
            [HealthKitTags.Ready])
        .AddCheck(
            "queue",
            () =>
            {
                time.Advance(TimeSpan.FromMilliseconds(1500));
                throw new InvalidOperationException("the broker refused the connection");
            },
            [HealthKitTags.Ready])
        .AddCheck("disk", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready])
        .AddCheck("legacy", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready])
        .AddCheck("archive", () => HealthCheckResult.Healthy(), [HealthKitTags.Ready]);

    /// <summary>
    /// Compares a whole page with a committed file. On a difference the message names the first line and column that
    /// differ and shows both from there, and the page is written next to the expected file to diff against it.
    /// </summary>
    private static void AssertIsExpectedPage(string fileName, string actual)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Endpoints", fileName);
        var expected = File.ReadAllText(path).ReplaceLineEndings("\n");
        if (string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return;
        }

        var expectedLines = expected.Split('\n');
        var actualLines = actual.Split('\n');
        var line = 0;
        while (line < expectedLines.Length && line < actualLines.Length && string.Equals(expectedLines[line], actualLines[line], StringComparison.Ordinal))
        {
            line++;
        }

        var expectedLine = line < expectedLines.Length ? expectedLines[line] : string.Empty;
        var actualLine = line < actualLines.Length ? actualLines[line] : string.Empty;
        var column = 0;
        while (column < expectedLine.Length && column < actualLine.Length && expectedLine[column] == actualLine[column])
        {
            column++;
        }

        var from = Math.Max(0, column - 40);
        var actualPath = path.Replace(".expected.html", ".actual.html", StringComparison.Ordinal);
        File.WriteAllText(actualPath, actual);
        Assert.Fail(
            $"The page differs from {fileName} at line {line + 1}, column {column + 1}:\n" +
            $"expected: {(line < expectedLines.Length ? expectedLine[from..Math.Min(expectedLine.Length, column + 80)] : "(end of file)")}\n" +
            $"actual:   {(line < actualLines.Length ? actualLine[from..Math.Min(actualLine.Length, column + 80)] : "(end of page)")}\n" +
            $"The whole page is in {actualPath}.");
    }

    /// <summary>"name:Status" for each check on the page, read from its heading and its status word.</summary>
    private static string[] CheckStatuses(string body) =>
        [.. Regex.Matches(body, "<h3>([^<]*)</h3>\n<span class=\"badge\"><span aria-hidden=\"true\">[^<]*</span><span class=\"status\">([^<]*)</span>")
            .Select(m => $"{m.Groups[1].Value}:{m.Groups[2].Value}")];
}

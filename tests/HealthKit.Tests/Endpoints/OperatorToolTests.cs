using HealthKit.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Primitives;

namespace HealthKit.Tests.Endpoints;

public sealed class OperatorToolTests
{
    private static Task<TestHost> Start(string environment = "Production") =>
        TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("postgres", () => HealthCheckResult.Healthy("round trip 3 ms"), [HealthKitTags.Ready])
                .AddCheck("disk", () => HealthCheckResult.Unhealthy("/data: 10 MiB free"), [HealthKitTags.Ready])
                .AddCheck("latency", () => HealthCheckResult.Degraded("p95 1200 ms")),
            environment: environment);

    [Fact]
    public async Task Exclude_RunsTheEndpointWithoutThatCheck_AndSaysSo()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready?exclude=disk");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["disk"], response.Json.GetProperty("excluded").EnumerateArray().Select(e => e.GetString()));
        Assert.False(response.Json.TryGetProperty("warnings", out _));
    }

    [Fact]
    public async Task Exclude_IsRepeatableAndCommaSeparated_UnknownNamesWarn()
    {
        await using var host = await Start("Development");

        var response = await host.GetAsync("/health?exclude=disk&exclude=latency,nope&exclude=DISK&exclude=mq");

        Assert.Equal(200, response.StatusCode);
        Assert.DoesNotContain("disk", response.EntryNames);
        Assert.DoesNotContain("latency", response.EntryNames);
        Assert.Contains("postgres", response.EntryNames);
        Assert.Equal(["disk", "latency"], response.Json.GetProperty("excluded").EnumerateArray().Select(e => e.GetString()));
        // Unknown names are warned about in ordinal order, not in the order the query gave them.
        Assert.Equal(
            ["cannot exclude 'mq': this endpoint runs no check of that name", "cannot exclude 'nope': this endpoint runs no check of that name"],
            response.Json.GetProperty("warnings").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Verbose_Text_ListsChecks_WithheldReasonsOutsideFull()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready?verbose", "text/plain");

        Assert.Equal(503, response.StatusCode);
        Assert.Equal("text/plain", response.ContentType);
        Assert.Equal(
            "[+]startup ok\n[+]availability ok\n[+]postgres ok\n[-]disk failed: reason withheld\nready check failed\n",
            response.Body);
    }

    [Fact]
    public async Task Verbose_Text_AtFull_ShowsReasonsAndDurations()
    {
        await using var host = await Start("Development");

        var response = await host.GetAsync("/health?verbose&format=text&exclude=latency");

        var lines = response.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\[\+\]postgres ok \(\d+ ms\)$", lines.Single(l => l.Contains("postgres", StringComparison.Ordinal)));
        Assert.Matches(@"^\[-\]disk failed: /data: 10 MiB free \(\d+ ms\)$", lines.Single(l => l.Contains("disk", StringComparison.Ordinal)));
        Assert.Contains("[x]latency excluded", lines);
        Assert.Equal("health check failed", lines[^1]);
    }

    [Fact]
    public async Task Text_WithoutVerbose_IsTheStatusWord()
    {
        await using var host = await Start();

        Assert.Equal("Healthy\n", (await host.GetAsync("/health/live", "text/plain")).Body);
        Assert.Equal("Unhealthy\n", (await host.GetAsync("/health/ready?format=text")).Body);
    }

    [Fact]
    public async Task Verbose_Text_HealthyAndDegradedEndpoints_Pass()
    {
        await using var host = await Start();

        var live = await host.GetAsync("/health/live?verbose", "text/plain");
        var health = await host.GetAsync("/health?verbose&exclude=disk", "text/plain");

        Assert.Equal(200, live.StatusCode);
        Assert.Equal("[+]self ok\nlive check passed\n", live.Body);
        Assert.Equal(200, health.StatusCode);
        Assert.Equal(
            "[+]self ok\n[+]startup ok\n[+]availability ok\n[+]postgres ok\n[~]latency degraded: reason withheld\n[x]disk excluded\nhealth check passed, degraded\n",
            health.Body);
    }

    [Fact]
    public async Task Verbose_Text_AtFull_SaysWhenThereIsNoDescription_AndKeepsEachEntryOnOneLine()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("quiet", () => HealthCheckResult.Unhealthy(), [HealthKitTags.Ready])
                .AddCheck("chatty", () => HealthCheckResult.Degraded("first line\r\nsecond line\nthird"), [HealthKitTags.Ready]),
            environment: "Development");

        var response = await host.GetAsync("/health/ready?verbose&format=text&exclude=not%0Athere");

        var lines = response.Body.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(6, lines.Length);
        Assert.Matches(@"^\[-\]quiet failed: no description \(\d+ ms\)$", lines[2]);
        Assert.Matches(@"^\[~\]chatty degraded: first line second line third \(\d+ ms\)$", lines[3]);
        Assert.Equal("warning: cannot exclude 'not there': this endpoint runs no check of that name", lines[4]);
        Assert.EndsWith("warning: cannot exclude 'not there': this endpoint runs no check of that name\nready check failed\n", response.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exclude_ALifecycleCheck_KeepsIt_AndWarns()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready?verbose&exclude=availability,disk");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["startup", "availability", "postgres"], response.EntryNames);
        Assert.Equal(["disk"], response.Json.GetProperty("excluded").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            ["cannot exclude 'availability': lifecycle checks always run"],
            response.Json.GetProperty("warnings").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task Exclude_TrimsNames_AndSkipsEmptyOnes()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health?exclude=%20disk%20,%20,,latency%20");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["disk", "latency"], response.Json.GetProperty("excluded").EnumerateArray().Select(e => e.GetString()));
        Assert.False(response.Json.TryGetProperty("warnings", out _));
    }

    [Fact]
    public async Task Exclude_WithoutAValue_AsAnotherMiddlewareMayLeaveIt_ExcludesNothing()
    {
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit()
                .AddCheck("disk", () => HealthCheckResult.Unhealthy("/data: 10 MiB free"), [HealthKitTags.Ready]),
            map: app =>
            {
                app.Use((context, next) =>
                {
                    // A query rebuilt in code can hold a key with no value at all, which a parsed query never does.
                    context.Request.Query = new QueryCollection(new Dictionary<string, StringValues> { ["exclude"] = new(new string?[] { null, "disk" }) });
                    return next(context);
                });
                app.MapHealthKit();
            });

        var response = await host.GetAsync("/health/ready");

        Assert.Equal(200, response.StatusCode);
        Assert.Equal(["disk"], response.Json.GetProperty("excluded").EnumerateArray().Select(e => e.GetString()));
        Assert.False(response.Json.TryGetProperty("warnings", out _));
    }

    [Fact]
    public async Task Accept_TextPlainWithSpacesAroundTheSlash_IsNoMediaType_GetsJson()
    {
        // HttpClient would rewrite the header as "text/plain"; a client writing its own request line does not.
        await using var host = await TestHost.StartAsync(
            b => b.Services.AddHealthKit(),
            map: app =>
            {
                app.Use((context, next) =>
                {
                    context.Request.Headers.Accept = "text / plain";
                    return next(context);
                });
                app.MapHealthKit();
            });

        var response = await host.GetAsync("/health/live");

        Assert.Equal("application/json", response.ContentType);
        Assert.Equal("Healthy", response.Status);
    }

    [Theory]
    [InlineData("*/*")]
    [InlineData("application/json, text/plain")]
    [InlineData("text/plain;q=0, application/json")]
    public async Task Json_WinsWhenJsonIsAcceptable(string accept)
    {
        await using var host = await Start();

        Assert.Equal("application/json", (await host.GetAsync("/health/live", accept)).ContentType);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("text/plain, text/plain")]
    [InlineData("text/plain;q=0.5, text/plain;q=0.9")]
    public async Task Text_WhenTextPlainIsNamedAndJsonIsNot_HoweverOftenItIsNamed(string accept)
    {
        await using var host = await Start();

        Assert.Equal("text/plain", (await host.GetAsync("/health/live", accept)).ContentType);
    }

    [Fact]
    public async Task Verbose_Json_ShowsComponentsOnAStatusEndpoint()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready?verbose");

        Assert.Equal("Unhealthy", response.Entry("disk").GetProperty("status").GetString());
        Assert.False(response.Entry("disk").TryGetProperty("description", out _));
    }

    [Fact]
    public async Task PerCheckEndpoint_RunsThatCheckOnly_404ForUnknown()
    {
        await using var host = await Start("Development");

        var postgres = await host.GetAsync("/health/checks/postgres");
        var disk = await host.GetAsync("/health/checks/DISK");
        var unknown = await host.GetAsync("/health/checks/nope");

        Assert.Equal(200, postgres.StatusCode);
        Assert.Equal(["postgres"], postgres.EntryNames);
        Assert.Equal(503, disk.StatusCode);
        Assert.Equal(["disk"], disk.EntryNames);
        Assert.Equal(404, unknown.StatusCode);
        Assert.Equal("no health check of that name", unknown.Json.GetProperty("error").GetString());
        using var post = await host.Client.PostAsync("/health/checks/postgres", null, TestContext.Current.CancellationToken);
        Assert.Equal(405, (int)post.StatusCode);
    }

    [Theory]
    [InlineData("?format=xml")]
    [InlineData("?format=")]
    [InlineData("?exclude=a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,aa,ab,ac,ad,ae,af,ag,ah,ai,aj,ak,al,am,an,ao,ap,aq,ar,as,at,au,av,aw,ax,ay,az,ba,bb,bc,bd,be,bf,bg,bh,bi,bj,bk,bl,bm")]
    public async Task BadQuery_Gets400_WithAReason(string query)
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready" + query);

        Assert.Equal(400, response.StatusCode);
        Assert.False(string.IsNullOrEmpty(response.Json.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task HugeQuery_Gets400()
    {
        await using var host = await Start();

        var response = await host.GetAsync("/health/ready?exclude=" + new string('x', 5000));

        Assert.Equal(400, response.StatusCode);
        Assert.Contains("longer than 2048", response.Json.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("?exclude=%zz")]
    [InlineData("?exclude=%00")]
    [InlineData("?exclude=%E2%80%8F%F0%9F%92%A9")]
    [InlineData("?verbose=%%%")]
    [InlineData("?&&&=&=")]
    [InlineData("?exclude")]
    [InlineData("?exclude=,,,")]
    [InlineData("?x=<script>alert(1)</script>")]
    [InlineData("?exclude=<script>")]
    public async Task OddQueries_NeverGet500(string query)
    {
        await using var host = await Start();

        foreach (var path in new[] { "/health", "/health/ready", "/health/checks/disk", "/health/checks/%20" })
        {
            var response = await host.GetAsync(path + query);
            Assert.InRange(response.StatusCode, 200, 503);
            Assert.NotEqual(500, response.StatusCode);
            Assert.DoesNotContain("Exception", response.Body, StringComparison.Ordinal);
        }
    }
}

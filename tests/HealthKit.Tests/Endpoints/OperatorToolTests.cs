using HealthKit.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

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

        var response = await host.GetAsync("/health?exclude=disk&exclude=latency,nope&exclude=DISK");

        Assert.Equal(200, response.StatusCode);
        Assert.DoesNotContain("disk", response.EntryNames);
        Assert.DoesNotContain("latency", response.EntryNames);
        Assert.Contains("postgres", response.EntryNames);
        Assert.Equal(["disk", "latency"], response.Json.GetProperty("excluded").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(
            ["cannot exclude 'nope': this endpoint runs no check of that name"],
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

    [Theory]
    [InlineData("*/*")]
    [InlineData("application/json, text/plain")]
    [InlineData("text/plain;q=0, application/json")]
    public async Task Json_WinsWhenJsonIsAcceptable(string accept)
    {
        await using var host = await Start();

        Assert.Equal("application/json", (await host.GetAsync("/health/live", accept)).ContentType);
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

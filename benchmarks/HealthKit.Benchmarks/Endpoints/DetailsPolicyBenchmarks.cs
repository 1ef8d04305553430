using System.Security.Claims;
using System.Text.Encodings.Web;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Benchmarks.Endpoints;

/// <summary>
/// A cached <c>/health</c> answer at its default level (Components) for an anonymous caller, without a
/// <c>DetailsPolicy</c>, with one that names no authentication scheme, and with one that names a scheme of its own
/// (which HealthKit now authenticates on every request below the authorized level). Every request gets request services
/// as the hosting layer gives them (a DI scope on first use), which authentication needs.
/// </summary>
/// <remarks>
/// In process, so that base and new builds can be run alternately on a busy machine without generating a project per run.
/// </remarks>
[MemoryDiagnoser]
[InProcess]
[WarmupCount(3)]
[IterationCount(10)]
[IterationTime(250)]
public class DetailsPolicyBenchmarks
{
    private const string ComponentsEntries = "\"entries\":{\"self\":{\"status\":\"Healthy\"}";

    private InProcessApp _noPolicy = null!;
    private InProcessApp _policy = null!;
    private InProcessApp _schemePolicy = null!;
    private ReusableRequest _noPolicyRequest = null!;
    private ReusableRequest _policyRequest = null!;
    private ReusableRequest _schemePolicyRequest = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _noPolicy = await InProcessApp.StartAsync(b => AddChecks(b, policy: null), app => app.MapHealthKit());
        _policy = await InProcessApp.StartAsync(
            b =>
            {
                b.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.RequireAuthenticatedUser()));
                AddChecks(b, "ops");
            },
            app => app.MapHealthKit());
        _schemePolicy = await InProcessApp.StartAsync(
            b =>
            {
                b.Services.AddAuthentication().AddScheme<AuthenticationSchemeOptions, OpsTokenHandler>("Ops", _ => { });
                b.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.AddAuthenticationSchemes("Ops").RequireAuthenticatedUser()));
                AddChecks(b, "ops");
            },
            app => app.MapHealthKit());

        _noPolicyRequest = await WarmAsync(_noPolicy.CreateRequestWithServices("/health"));
        _policyRequest = await WarmAsync(_policy.CreateRequestWithServices("/health"));
        _schemePolicyRequest = await WarmAsync(_schemePolicy.CreateRequestWithServices("/health"));
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        await _noPolicy.DisposeAsync();
        await _policy.DisposeAsync();
        await _schemePolicy.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "/health (Components), no DetailsPolicy")]
    public Task NoPolicy() => _noPolicyRequest.InvokeAsync();

    [Benchmark(Description = "/health (Components), DetailsPolicy without schemes, caller fails it")]
    public Task Policy() => _policyRequest.InvokeAsync();

    [Benchmark(Description = "/health (Components), DetailsPolicy naming scheme Ops, caller without its token")]
    public Task SchemePolicy() => _schemePolicyRequest.InvokeAsync();

    private static void AddChecks(WebApplicationBuilder builder, string? policy) =>
        builder.Services.AddHealthKit(o => o.DetailsPolicy = policy)
            .AddDiskSpace()
            .AddCheck("first", () => HealthCheckResult.Healthy("first"), [HealthKitTags.Ready])
            .AddCheck("second", () => HealthCheckResult.Healthy("second"), [HealthKitTags.Ready])
            .AddCheck("third", () => HealthCheckResult.Healthy("third"));

    /// <summary>Fills the caches and checks that the caller was not raised above Components.</summary>
    private static async Task<ReusableRequest> WarmAsync(ReusableRequest request)
    {
        for (var i = 0; i < 3; i++)
        {
            await request.InvokeAsync();
        }

        if (request.StatusCode != 200 || !request.Body.Contains(ComponentsEntries, StringComparison.Ordinal) || request.Body.Contains("\"description\"", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"Unexpected answer {request.StatusCode}: {request.Body}");
        }

        return request;
    }

    /// <summary>An operator's token scheme; the benchmark's caller sends no token, so it finds nothing.</summary>
    private sealed class OpsTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (!Request.Headers.Authorization.ToString().StartsWith("Ops ", StringComparison.Ordinal))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], Scheme.Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
        }
    }
}

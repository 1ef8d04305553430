using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Tests.Endpoints;

/// <summary>
/// <c>HealthKit:DetailsPolicy</c> against real authentication handlers on a real Kestrel server on 127.0.0.1: the
/// policy's own schemes are authenticated, the <see cref="HttpContext"/> is the resource, and a caller who fails it gets
/// the endpoint's level, never a challenge.
/// </summary>
public sealed class DetailsPolicyTests
{
    private const string OpsToken = "ops-token-7f3a";

    [Fact]
    public async Task DetailsPolicy_TwoSchemes_OrdinaryUserOfTheDefaultScheme_GetsTheEndpointsLevel()
    {
        await using var server = await PolicyServer.StartAsync(TwoSchemes(defaultAuthenticatesEveryone: true), app =>
        {
            app.MapGet("/admin", () => "admin").RequireAuthorization("ops");
            app.MapHealthKit();
        });

        var admin = await server.GetAsync("/admin");
        var ready = await server.GetAsync("/health/ready");
        var health = await server.GetAsync("/health");

        // The same policy on an ordinary endpoint refuses this caller, so HealthKit must not raise them.
        Assert.Equal(401, admin.StatusCode);
        Assert.Equal(503, ready.StatusCode);
        Assert.Equal(["status", "totalDuration"], ready.Json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["status"], health.Json.GetProperty("entries").GetProperty("db").EnumerateObject().Select(p => p.Name));

        // A failed policy lowers detail only: no challenge, no WWW-Authenticate.
        Assert.False(ready.Headers.ContainsKey("WWW-Authenticate"));
        Assert.DoesNotContain("down", ready.Body + health.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DetailsPolicy_TwoSchemes_OperatorAuthenticatedOnlyByTheOpsScheme_GetsFull()
    {
        // Application users carry a session the default scheme reads; the operator's tool sends only its ops token.
        await using var server = await PolicyServer.StartAsync(TwoSchemes(defaultAuthenticatesEveryone: false), app =>
        {
            app.MapGet("/admin", () => "admin").RequireAuthorization("ops");
            app.MapHealthKit();
        });

        var admin = await server.GetAsync("/admin", ("Authorization", "Ops " + OpsToken));
        var ready = await server.GetAsync("/health/ready", ("Authorization", "Ops " + OpsToken));
        var wrongToken = await server.GetAsync("/health/ready", ("Authorization", "Ops nope"));

        Assert.Equal(200, admin.StatusCode);
        Assert.Equal(503, ready.StatusCode);
        Assert.Equal("down", ready.Json.GetProperty("entries").GetProperty("db").GetProperty("description").GetString());
        Assert.Equal(503, wrongToken.StatusCode);
        Assert.False(wrongToken.Json.TryGetProperty("entries", out _));
        Assert.False(wrongToken.Headers.ContainsKey("WWW-Authenticate"));
    }

    [Fact]
    public async Task DetailsPolicy_EndpointsProtectedWithRequireAuthorization_StillChallengeAnonymous_AndKeepTheCallersUser()
    {
        var usersAfterHealthKit = new ConcurrentQueue<string>();
        await using var server = await PolicyServer.StartAsync(TwoSchemes(defaultAuthenticatesEveryone: false), app =>
        {
            app.Use(async (context, next) =>
            {
                await next(context);
                usersAfterHealthKit.Enqueue(context.User.Identity?.AuthenticationType ?? "none");
            });
            app.UseAuthentication();
            app.UseAuthorization();
            app.MapHealthKit().RequireAuthorization("user");
        });

        var anonymous = await server.GetAsync("/health/ready");
        var user = await server.GetAsync("/health/ready", ("X-Session", "alice"));
        var operatorWithSession = await server.GetAsync("/health/ready", ("X-Session", "bob"), ("Authorization", "Ops " + OpsToken));

        Assert.Equal(401, anonymous.StatusCode);
        Assert.Equal(503, user.StatusCode);
        Assert.False(user.Json.TryGetProperty("entries", out _));
        Assert.Equal("down", operatorWithSession.Json.GetProperty("entries").GetProperty("db").GetProperty("description").GetString());

        // The policy's scheme decided the detail level; the rest of the request still sees the user the endpoint authorized.
        Assert.Equal(["User", "User"], usersAfterHealthKit.Where(t => t != "none"));
    }

    [Fact]
    public async Task DetailsPolicy_ResourceBased_IpAllowListReadingTheHttpContext_ElevatesWhenSatisfied()
    {
        await using var allowed = await PolicyServer.StartAsync(AllowList(IPAddress.Loopback), app => app.MapHealthKit());
        await using var refused = await PolicyServer.StartAsync(AllowList(IPAddress.Parse("192.0.2.10")), app => app.MapHealthKit());

        var elevated = await allowed.GetAsync("/health/ready");
        var kept = await refused.GetAsync("/health/ready");

        Assert.Equal(503, elevated.StatusCode);
        Assert.Equal("down", elevated.Json.GetProperty("entries").GetProperty("db").GetProperty("description").GetString());
        Assert.Equal(503, kept.StatusCode);
        Assert.Equal(["status", "totalDuration"], kept.Json.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task DetailsPolicy_BehindAReverseProxy_TheAllowListSeesTheForwardedClientAddress()
    {
        await using var server = await PolicyServer.StartAsync(AllowList(IPAddress.Parse("203.0.113.7")), app =>
        {
            // The proxy is on loopback, which ForwardedHeaders trusts by default.
            app.UseForwardedHeaders(new ForwardedHeadersOptions { ForwardedHeaders = ForwardedHeaders.XForwardedFor });
            app.MapHealthKit();
        });

        var listedClient = await server.GetAsync("/health/ready", ("X-Forwarded-For", "203.0.113.7"));
        var otherClient = await server.GetAsync("/health/ready", ("X-Forwarded-For", "198.51.100.9"));
        var theProxyItself = await server.GetAsync("/health/ready");

        Assert.Equal("down", listedClient.Json.GetProperty("entries").GetProperty("db").GetProperty("description").GetString());
        Assert.False(otherClient.Json.TryGetProperty("entries", out _));
        Assert.False(theProxyItself.Json.TryGetProperty("entries", out _));
        Assert.All([listedClient, otherClient, theProxyItself], r => Assert.Equal(503, r.StatusCode));
    }

    [Fact]
    public async Task DetailsPolicy_NamingAnUnregisteredScheme_StopsStartup_NamingTheKey()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => PolicyServer.StartAsync(
            b =>
            {
                b.Services.AddAuthentication("User").AddScheme<SessionOptions, SessionHandler>("User", _ => { });
                b.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.AddAuthenticationSchemes("Ops").RequireAuthenticatedUser()));
                b.Services.AddHealthKit(o => o.DetailsPolicy = "ops");
            },
            app => app.MapHealthKit()));

        Assert.Contains("'HealthKit:DetailsPolicy' names the authorization policy 'ops', which authenticates with the scheme 'Ops', but no authentication scheme of that name is registered", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A default scheme <c>User</c> (every request, or those with an <c>X-Session</c> header) and a scheme <c>Ops</c> that
    /// accepts only the ops token; the <c>ops</c> policy names <c>Ops</c>, as the reproduction does.
    /// </summary>
    private static Action<WebApplicationBuilder> TwoSchemes(bool defaultAuthenticatesEveryone) => b =>
    {
        b.Services.AddAuthentication("User")
            .AddScheme<SessionOptions, SessionHandler>("User", o => o.EveryRequest = defaultAuthenticatesEveryone)
            .AddScheme<AuthenticationSchemeOptions, OpsTokenHandler>("Ops", _ => { });
        b.Services.AddAuthorization(o =>
        {
            o.AddPolicy("ops", p => p.AddAuthenticationSchemes("Ops").RequireAuthenticatedUser());
            o.AddPolicy("user", p => p.RequireAuthenticatedUser());
        });
        AddHealthKit(b);
    };

    private static Action<WebApplicationBuilder> AllowList(params IPAddress[] addresses) => b =>
    {
        b.Services.AddSingleton<IAuthorizationHandler, IpAllowListHandler>();
        b.Services.AddAuthorization(o => o.AddPolicy("ops", p => p.AddRequirements(new IpAllowListRequirement(addresses))));
        AddHealthKit(b);
    };

    private static void AddHealthKit(WebApplicationBuilder b) =>
        b.Services.AddHealthKit(o => o.DetailsPolicy = "ops")
            .AddCheck("db", () => HealthCheckResult.Unhealthy("down"), [HealthKitTags.Ready]);

    private sealed class SessionOptions : AuthenticationSchemeOptions
    {
        public bool EveryRequest { get; set; } = true;
    }

    /// <summary>The application's own users: a session header (or, with <c>EveryRequest</c>, anyone at all).</summary>
    private sealed class SessionHandler(IOptionsMonitor<SessionOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<SessionOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var session = Request.Headers["X-Session"].ToString();
            if (session.Length == 0 && !Options.EveryRequest)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, session.Length == 0 ? "someone" : session)], Scheme.Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
        }
    }

    /// <summary>Operators: <c>Authorization: Ops &lt;token&gt;</c> with the one right token.</summary>
    private sealed class OpsTokenHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Ops ", StringComparison.Ordinal))
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            if (header["Ops ".Length..] != OpsToken)
            {
                return Task.FromResult(AuthenticateResult.Fail("wrong ops token"));
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], Scheme.Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
        }
    }

    private sealed class IpAllowListRequirement(IPAddress[] addresses) : IAuthorizationRequirement
    {
        public IPAddress[] Addresses { get; } = addresses;
    }

    /// <summary>A resource-based handler: it can decide only when the resource is the request's <see cref="HttpContext"/>.</summary>
    private sealed class IpAllowListHandler : AuthorizationHandler<IpAllowListRequirement, HttpContext>
    {
        protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, IpAllowListRequirement requirement, HttpContext resource)
        {
            if (resource.Connection.RemoteIpAddress is { } address && requirement.Addresses.Contains(address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address))
            {
                context.Succeed(requirement);
            }

            return Task.CompletedTask;
        }
    }

    /// <summary>An application on Kestrel at <c>http://127.0.0.1:0</c>, so that the connection's address is real.</summary>
    private sealed class PolicyServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HttpClient _client;

        private PolicyServer(WebApplication app, Uri address)
        {
            _app = app;
            _client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        }

        public static async Task<PolicyServer> StartAsync(Action<WebApplicationBuilder> configure, Action<WebApplication> map)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
            builder.Configuration.Sources.Clear();
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["HealthKit:Lifecycle:DrainDelay"] = "00:00:00" });
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
            configure(builder);
            var app = builder.Build();
            try
            {
                map(app);
                await app.StartAsync(TestContext.Current.CancellationToken);
                var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
                return new PolicyServer(app, new Uri(address));
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }
        }

        public async Task<Answer> GetAsync(string path, params (string Name, string Value)[] headers)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            return new Answer((int)response.StatusCode, body, response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase));
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _app.StopAsync(CancellationToken.None);
            await _app.DisposeAsync();
        }
    }

    private sealed record Answer(int StatusCode, string Body, IReadOnlyDictionary<string, string> Headers)
    {
        public JsonElement Json => JsonDocument.Parse(Body).RootElement;
    }
}

using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HealthKit.Tests.ProbeServer;

/// <summary>
/// Authenticates a caller that sends the operators' key in <c>X-Ops-Key</c>; a caller without the header is anonymous,
/// and one with another key fails.
/// </summary>
internal sealed class OpsKeyHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "OpsKey";
    public const string Header = "X-Ops-Key";
    public const string Key = "ops-key-51c9";
    public const string Policy = "ops";

    /// <summary>Registers this scheme as the default and an <c>ops</c> policy that needs an authenticated caller.</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddAuthentication(SchemeName).AddScheme<AuthenticationSchemeOptions, OpsKeyHandler>(SchemeName, _ => { });

        // No schemes on the policy: it sees the user the authentication middleware set, so it passes only where that ran.
        services.AddAuthorization(o => o.AddPolicy(Policy, p => p.RequireAuthenticatedUser()));
    }

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[Header].ToString();
        if (key.Length == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (!string.Equals(key, Key, StringComparison.Ordinal))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong key"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "operator")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

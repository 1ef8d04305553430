using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace HealthKit.Endpoints;

/// <summary>
/// <see cref="HealthKitOptions.DetailsPolicy"/>, evaluated as ASP.NET Core's authorization middleware evaluates an
/// endpoint's policy: the policy's authentication schemes are authenticated, then the policy is authorized with the
/// <see cref="HttpContext"/> as the resource. Unlike the middleware, a caller who fails is never challenged or
/// forbidden: the answer only tells the endpoint whether to raise the detail level.
/// </summary>
internal sealed class DetailsPolicy
{
    private const string Key = HealthKitOptions.SectionName + ":" + nameof(HealthKitOptions.DetailsPolicy);

    private readonly string _name;
    private readonly IAuthorizationPolicyProvider _provider;
    private readonly IPolicyEvaluator _evaluator;

    /// <summary>The policy, when the provider lets it be kept (as the middleware keeps an endpoint's); otherwise asked for per request.</summary>
    private readonly AuthorizationPolicy? _cached;

    private DetailsPolicy(string name, IAuthorizationPolicyProvider provider, IPolicyEvaluator evaluator, AuthorizationPolicy? cached)
    {
        _name = name;
        _provider = provider;
        _evaluator = evaluator;
        _cached = cached;
    }

    /// <summary>
    /// The policy <see cref="HealthKitOptions.DetailsPolicy"/> names, or <see langword="null"/> when it names none.
    /// Stops the application when the policy cannot be evaluated: no authorization services, no such policy, or an
    /// authentication scheme it names that is not registered.
    /// </summary>
    public static DetailsPolicy? Resolve(IServiceProvider services, HealthKitOptions options)
    {
        var name = options.DetailsPolicy;
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        if (services.GetService<IAuthorizationService>() is null || services.GetService<IAuthorizationPolicyProvider>() is not { } provider)
        {
            throw new InvalidOperationException(
                $"'{Key}' is set to '{name}', but authorization services are not registered. Call 'builder.Services.AddAuthorization(...)' and define that policy, or clear '{Key}'.");
        }

        var policy = provider.GetPolicyAsync(name).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException(
                $"'{Key}' names the authorization policy '{name}', which is not defined. Define it with 'builder.Services.AddAuthorization(o => o.AddPolicy(\"{name}\", ...))', or clear '{Key}'.");

        if (policy.AuthenticationSchemes.Count > 0)
        {
            var schemes = services.GetService<IAuthenticationSchemeProvider>()
                ?? throw new InvalidOperationException(
                    $"'{Key}' names the authorization policy '{name}', which authenticates with the scheme(s) {string.Join(", ", policy.AuthenticationSchemes.Select(s => $"'{s}'"))}, but authentication services are not registered. Call 'builder.Services.AddAuthentication(...)' and add those schemes.");
            foreach (var scheme in policy.AuthenticationSchemes)
            {
                if (schemes.GetSchemeAsync(scheme).GetAwaiter().GetResult() is null)
                {
                    throw new InvalidOperationException(
                        $"'{Key}' names the authorization policy '{name}', which authenticates with the scheme '{scheme}', but no authentication scheme of that name is registered. Add it with 'builder.Services.AddAuthentication().AddScheme<...>(\"{scheme}\", ...)', or remove it from the policy.");
                }
            }
        }

        // AddAuthorization registers the evaluator; AddAuthorizationCore alone does not, and the default one needs only
        // the authorization service.
        var evaluator = services.GetService<IPolicyEvaluator>() ?? ActivatorUtilities.CreateInstance<PolicyEvaluator>(services);
        return new DetailsPolicy(name, provider, evaluator, provider.AllowsCachingPolicies ? policy : null);
    }

    /// <summary>
    /// Whether the caller satisfies the policy. <see cref="HttpContext.User"/> is left as it was: the policy's schemes
    /// decide the detail level, not who the rest of the request sees.
    /// </summary>
    public async ValueTask<bool> IsSatisfiedAsync(HttpContext context)
    {
        var policy = _cached ?? await _provider.GetPolicyAsync(_name).ConfigureAwait(false);
        if (policy is null)
        {
            // A provider that no longer knows the policy elevates nobody.
            return false;
        }

        var user = context.User;
        try
        {
            var authentication = await _evaluator.AuthenticateAsync(policy, context).ConfigureAwait(false);
            var authorization = await _evaluator.AuthorizeAsync(policy, authentication, context, context).ConfigureAwait(false);
            return authorization.Succeeded;
        }
        finally
        {
            context.User = user;
        }
    }
}

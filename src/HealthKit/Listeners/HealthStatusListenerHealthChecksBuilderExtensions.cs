using HealthKit.Listeners;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace HealthKit;

/// <summary>Registers <see cref="IHealthStatusListener"/>s.</summary>
public static class HealthStatusListenerHealthChecksBuilderExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TListener"/> as a singleton <see cref="IHealthStatusListener"/>. Registering the same
    /// type twice registers it once.
    /// </summary>
    /// <typeparam name="TListener">The listener; its constructor's parameters are resolved from dependency injection.</typeparam>
    /// <param name="builder">The builder that <c>AddHealthKit</c> returned.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static IHealthChecksBuilder AddHealthStatusListener<TListener>(this IHealthChecksBuilder builder)
        where TListener : class, IHealthStatusListener
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IHealthStatusListener, TListener>());
        return builder;
    }

    /// <summary>
    /// Registers a listener that posts each status change as JSON to <c>HealthKit:Webhook:Url</c>
    /// (see <see cref="HealthKitWebhookOptions"/>), with a bounded timeout and retry.
    /// </summary>
    /// <param name="builder">The builder that <c>AddHealthKit</c> returned.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    /// <remarks>
    /// The body is <c>{"kind":"check","name":"postgres","previousStatus":"Healthy","status":"Unhealthy","description":"timed out","changedAt":"2026-01-01T00:00:00+00:00"}</c>;
    /// <c>kind</c> is <c>check</c> or <c>endpoint</c>, and <c>previousStatus</c> is null for a first result. The
    /// application stops at startup when the URL is missing or not an absolute http or https URL. It uses the named
    /// <see cref="HttpClient"/> <c>HealthKit.Webhook</c>, without HttpClientFactory's request logging, which would log the
    /// URL. It never follows a redirect: a 3xx answer, or an answer from another URI than the one posted to (which only a
    /// handler configured to follow redirects gives), is a failed delivery, logged with the redirect's host.
    /// </remarks>
    public static IHealthChecksBuilder AddWebhookListener(this IHealthChecksBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(WebhookListener)))
        {
            // A redirect is a failed delivery; the listener also refuses a response that a user's own handler got by following one.
            services.AddHttpClient(WebhookListener.ClientName)
                .RemoveAllLoggers()
                .ConfigurePrimaryHttpMessageHandler(static () => new SocketsHttpHandler { AllowAutoRedirect = false });
            services.AddSingleton<WebhookListener>();
            services.AddSingleton<IHealthStatusListener>(provider => provider.GetRequiredService<WebhookListener>());
        }

        return builder;
    }

    /// <summary>
    /// Registers the webhook listener as <see cref="AddWebhookListener(IHealthChecksBuilder)"/> does, then applies
    /// <paramref name="configure"/> after the configuration section <c>HealthKit:Webhook</c> is bound.
    /// </summary>
    /// <param name="builder">The builder that <c>AddHealthKit</c> returned.</param>
    /// <param name="configure">Changes the webhook's options.</param>
    /// <returns>The <paramref name="builder"/>.</returns>
    public static IHealthChecksBuilder AddWebhookListener(this IHealthChecksBuilder builder, Action<HealthKitWebhookOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        builder.AddWebhookListener();
        builder.Services.Configure<HealthKitOptions>(options => configure(options.Webhook));
        return builder;
    }
}

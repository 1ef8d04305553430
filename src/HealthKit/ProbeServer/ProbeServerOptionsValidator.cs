using Microsoft.Extensions.Options;

namespace HealthKit.ProbeServer;

/// <summary>
/// Validates <see cref="HealthKitOptions.ProbeServer"/> when <c>AddProbeServer</c> is called; every message names the key.
/// </summary>
internal sealed class ProbeServerOptionsValidator : IValidateOptions<HealthKitOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthKitOptions options)
    {
        var errors = new List<string>();
        ProbeServerAddress.ParseAll(options.ProbeServer, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Stops the application when <c>MapOnProbeServer</c> added endpoints but no probe server would serve them.</summary>
internal sealed class ProbeServerRequiredValidator(ProbeServerMappings? probeServer = null) : IValidateOptions<HealthKitOptions>
{
    public ValidateOptionsResult Validate(string? name, HealthKitOptions options) =>
        probeServer is null
            ? ValidateOptionsResult.Fail("MapOnProbeServer added endpoints to the probe server, but the probe server is not on. Call AddProbeServer() on the builder AddHealthKit() returned.")
            : ValidateOptionsResult.Success;
}

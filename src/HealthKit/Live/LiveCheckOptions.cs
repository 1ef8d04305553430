using Microsoft.Extensions.Options;

namespace HealthKit.Live;

/// <summary>One check's options as a reload can replace them: created and validated in full, then swapped in.</summary>
internal interface ILiveCheckOptions
{
    /// <summary>The check's name.</summary>
    string Name { get; }

    /// <summary>Binds, configures and validates a new instance from the current configuration.</summary>
    /// <exception cref="OptionsValidationException">A key is unknown, a value does not convert, or a validator fails.</exception>
    object Create();

    /// <summary>Puts an instance from <see cref="Create"/> in force.</summary>
    void Apply(object options);
}

/// <summary>
/// The options of a check registered with <c>AddHealthKitCheck</c>, kept current across configuration reloads by
/// <see cref="LiveSettings"/>. A check reads <see cref="Current"/> once per run, so one run never mixes two versions.
/// </summary>
/// <typeparam name="TOptions">The check's options.</typeparam>
internal sealed class LiveCheckOptions<TOptions> : ILiveCheckOptions
    where TOptions : class
{
    private readonly IOptionsFactory<TOptions> _factory;
    private TOptions _current;

    public LiveCheckOptions(string name, TOptions startup, IOptionsFactory<TOptions> factory)
    {
        Name = name;
        _current = startup;
        _factory = factory;
    }

    public string Name { get; }

    public TOptions Current => Volatile.Read(ref _current);

    public object Create() => _factory.Create(Name);

    public void Apply(object options) => Volatile.Write(ref _current, (TOptions)options);
}

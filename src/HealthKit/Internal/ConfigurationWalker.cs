using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using HealthKit.Redaction;
using Microsoft.Extensions.Configuration;

namespace HealthKit.Internal;

/// <summary>
/// Checks a configuration section against the options types it is bound to, before it is bound: every key must name a
/// property (or a key allowed for a check), and every value must convert to its property's type.
/// </summary>
/// <remarks>
/// The configuration binder cannot be trusted with either: it ignores keys it does not know, so a misspelt setting is
/// silently not in force, and it drops a dictionary entry whose value does not convert, so one bad value under
/// <c>HealthKit:Checks:&lt;name&gt;</c> silently discards that check's whole policy.
/// </remarks>
internal sealed class ConfigurationWalker
{
    private static readonly PropertyInfo ChecksProperty = typeof(HealthKitOptions).GetProperty(nameof(HealthKitOptions.Checks))!;

    private static readonly HashSet<string> NoKeys = [];

    private readonly Dictionary<string, CheckConfigurationDescriptor[]> _checks;
    private readonly List<string> _errors = [];

    private ConfigurationWalker(IEnumerable<CheckConfigurationDescriptor> descriptors) =>
        _checks = descriptors
            .GroupBy(d => d.Name, StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.OrdinalIgnoreCase);

    /// <summary>Every problem under the <c>HealthKit</c> section, one message per key.</summary>
    /// <remarks>The sections other packages bind (<paramref name="sections"/>) are checked when they are bound.</remarks>
    public static IReadOnlyList<string> ValidateRoot(
        IConfiguration configuration,
        IEnumerable<CheckConfigurationDescriptor> descriptors,
        IEnumerable<SectionConfigurationDescriptor>? sections = null)
    {
        var walker = new ConfigurationWalker(descriptors);
        var allowed = sections?.Select(section => section.Key).ToHashSet(StringComparer.OrdinalIgnoreCase) ?? NoKeys;
        walker.Walk(configuration.GetSection(HealthKitOptions.SectionName), [typeof(HealthKitOptions)], allowed, checkName: null);
        return walker._errors;
    }

    /// <summary>Every problem under a section another package binds, such as <c>HealthKit:Grpc</c>, one message per key.</summary>
    public static IReadOnlyList<string> ValidateSection(IConfiguration configuration, SectionConfigurationDescriptor section)
    {
        var walker = new ConfigurationWalker([]);
        walker.Walk(configuration.GetSection(section.Path), [section.OptionsType], allowed: NoKeys, checkName: null);
        return walker._errors;
    }

    /// <summary>Every problem under <c>HealthKit:Checks:&lt;name&gt;</c>, one message per key.</summary>
    public static IReadOnlyList<string> ValidateCheck(IConfiguration configuration, string name, IEnumerable<CheckConfigurationDescriptor> descriptors)
    {
        var walker = new ConfigurationWalker(descriptors);
        walker.WalkCheck(configuration.GetSection(ConfigurationBinding.CheckKey(name)), name);
        return walker._errors;
    }

    private void WalkCheck(IConfigurationSection section, string name)
    {
        // A check's section holds the engine's policy and the check's own options side by side.
        var own = _checks.GetValueOrDefault(name) ?? [];
        Type[] types = [typeof(HealthCheckPolicy), .. own.Select(d => d.OptionsType).OfType<Type>().Distinct()];
        var allowed = own.SelectMany(d => d.AllowedKeys).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Walk(section, types, allowed, name);
    }

    private void Walk(IConfigurationSection section, IReadOnlyList<Type> types, IReadOnlySet<string> allowed, string? checkName)
    {
        var shapes = types.Select(Shape.Of).ToList();
        var scalars = shapes.Where(s => s.Kind == Kind.Scalar).ToList();
        if (shapes.All(s => s.Kind == Kind.Unsupported))
        {
            if (section.Value is { Length: > 0 } || section.GetChildren().Any())
            {
                _errors.Add($"{section.Path} cannot be set from configuration: it is a {shapes[0].Type.Name}. Set it in code instead.");
            }

            return;
        }

        if (section.Value is { } value)
        {
            if (scalars.Count > 0)
            {
                foreach (var scalar in scalars)
                {
                    CheckValue(section.Path, value, scalar.Type);
                }
            }
            else if (value.Length > 0)
            {
                _errors.Add(ValueWhereNoneBelongs(section.Path, shapes));
            }
        }

        foreach (var child in section.GetChildren())
        {
            WalkChild(section, child, shapes, allowed, checkName);
        }
    }

    private void WalkChild(IConfigurationSection parent, IConfigurationSection child, List<Shape> shapes, IReadOnlySet<string> allowed, string? checkName)
    {
        var properties = shapes
            .Where(s => s.Kind == Kind.Object)
            .Select(s => s.Properties.GetValueOrDefault(child.Key))
            .OfType<PropertyInfo>()
            .ToList();
        if (properties.Count > 0)
        {
            if (properties.Contains(ChecksProperty))
            {
                foreach (var check in child.GetChildren())
                {
                    WalkCheck(check, check.Key);
                }

                CheckValueOnSection(child);
                return;
            }

            Walk(child, [.. properties.Select(p => p.PropertyType).Distinct()], allowed: NoKeys, checkName: null);
            return;
        }

        var elements = shapes.Where(s => s.Kind == Kind.Collection).Select(s => s.ItemType!).ToList();
        if (elements.Count > 0 && int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            Walk(child, elements, allowed: NoKeys, checkName: null);
            return;
        }

        var values = shapes.Where(s => s.Kind == Kind.Dictionary).Select(s => s.ItemType!).ToList();
        if (values.Count > 0)
        {
            Walk(child, values, allowed: NoKeys, checkName: null);
            return;
        }

        if (allowed.Contains(child.Key))
        {
            return;
        }

        if (shapes.Any(s => s.Kind == Kind.Object))
        {
            _errors.Add(UnknownKey(parent, child, shapes, allowed, checkName));
        }
        else if (elements.Count > 0)
        {
            _errors.Add($"{child.Path} is not an item of the list {parent.Path}; number its items {parent.Path}:0, {parent.Path}:1 and so on.");
        }
        else if (shapes.Any(s => s.Kind == Kind.Scalar))
        {
            _errors.Add($"{parent.Path} takes a single value, so {child.Path} is not a key; set {parent.Path} itself.");
        }
    }

    private void CheckValueOnSection(IConfigurationSection section)
    {
        if (section.Value is { Length: > 0 })
        {
            _errors.Add($"{section.Path} is a section, not a value; put each check's settings under {section.Path}:<name>.");
        }
    }

    private void CheckValue(string path, string value, Type type)
    {
        var target = Nullable.GetUnderlyingType(type);
        if (target is not null && value.Length == 0)
        {
            // The binder reads an empty value as null for a nullable property: "not set", which is valid.
            return;
        }

        target ??= type;
        try
        {
            // The same conversion the configuration binder applies, so that what passes here binds.
            var converted = TypeDescriptor.GetConverter(target).ConvertFromInvariantString(value);

            // The converter takes any number for an enum; a number that names no member is as wrong as a misspelt name.
            if (target.IsEnum && !target.IsDefined(typeof(FlagsAttribute)) && converted is not null && !Enum.IsDefined(target, converted))
            {
                _errors.Add($"{path} ('{Shown(value)}') is not valid; {ExpectedForm(target)}.");
            }
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or OverflowException or NotSupportedException or InvalidCastException)
        {
            _errors.Add($"{path} ('{Shown(value)}') is not valid; {ExpectedForm(target)}.");
        }
    }

    private string UnknownKey(IConfigurationSection parent, IConfigurationSection child, List<Shape> shapes, IReadOnlySet<string> allowed, string? checkName)
    {
        var known = shapes
            .Where(s => s.Kind == Kind.Object)
            .SelectMany(s => s.Properties.Values.Select(p => p.Name))
            .Concat(allowed)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .Order(StringComparer.Ordinal)
            .ToList();
        var message = $"{child.Path} is not a HealthKit setting";
        if (Closest(child.Key, known) is { } suggestion)
        {
            message += $"; did you mean '{suggestion}' ({parent.Path}:{suggestion})?";
        }
        else
        {
            message += ".";
        }

        message += $" The keys under {parent.Path} are: {string.Join(", ", known)}.";
        if (checkName is not null)
        {
            if (!_checks.TryGetValue(checkName, out var own) || !own.Any(d => d.OptionsType is not null))
            {
                var withOptions = _checks.Values.Where(ds => ds.Any(d => d.OptionsType is not null)).Select(ds => ds[0].Name).ToList();
                if (Closest(checkName, withOptions) is { } check && !string.Equals(check, checkName, StringComparison.OrdinalIgnoreCase))
                {
                    message += $" '{checkName}' is not a check with options of its own; did you mean {ConfigurationBinding.CheckKey(check)}:{child.Key}?";
                }
            }

            message += $" A key that other code reads from this section can be allowed with AllowConfigurationKeys(\"{checkName}\", \"{child.Key}\").";
        }

        return message;
    }

    /// <summary>The candidate nearest to <paramref name="key"/> by edit distance, if it is near enough to be a typo.</summary>
    internal static string? Closest(string key, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(key.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }

    private static string ValueWhereNoneBelongs(string path, List<Shape> shapes)
    {
        var shape = shapes[0];
        return shape.Kind switch
        {
            Kind.Object => $"{path} is a section, not a value; set its keys instead: {string.Join(", ", shape.Properties.Values.Select(p => p.Name).Order(StringComparer.Ordinal))}.",
            Kind.Collection => $"{path} is a list, not a value; set its items as {path}:0, {path}:1 and so on.",
            Kind.Dictionary => $"{path} is a section, not a value; set its entries as {path}:<name>.",
            _ => $"{path} cannot be set from configuration: it is a {shape.Type.Name}. Set it in code instead.",
        };
    }

    private static string ExpectedForm(Type type)
    {
        if (type == typeof(TimeSpan))
        {
            return "write a duration such as 00:00:00.700 (hh:mm:ss.fff, or d.hh:mm:ss for days)";
        }

        if (type.IsEnum)
        {
            return $"write one of {string.Join(", ", Enum.GetNames(type))}";
        }

        if (type == typeof(bool))
        {
            return "write true or false";
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(short))
        {
            return "write a whole number such as 3";
        }

        if (type == typeof(double) || type == typeof(float) || type == typeof(decimal))
        {
            return "write a number such as 12.5, with '.' as the decimal separator";
        }

        return $"write a value of type {type.Name}";
    }

    /// <summary>
    /// A value as a message may repeat it: redacted first (a webhook URL or a connection string carries credentials), then
    /// cut to 40 characters, so that the cut can never leave part of a secret the redactor would no longer recognise.
    /// </summary>
    internal static string Shown(string value)
    {
        value = Redactor.RedactText(value);
        return value.Length <= 40 ? value : string.Concat(value.AsSpan(0, 40), "...");
    }

    private enum Kind
    {
        Scalar,
        Object,
        Collection,
        Dictionary,
        Unsupported,
    }

    /// <summary>How the configuration binder treats a type: which keys and values it reads for it.</summary>
    private sealed class Shape
    {
        private static readonly Dictionary<Type, Shape> Cache = [];
        private static readonly Lock CacheLock = new();

        private Shape(Type type, Kind kind, Type? itemType, Dictionary<string, PropertyInfo> properties)
        {
            Type = type;
            Kind = kind;
            ItemType = itemType;
            Properties = properties;
        }

        public Type Type { get; }

        public Kind Kind { get; }

        /// <summary>The element type of a collection, or the value type of a dictionary.</summary>
        public Type? ItemType { get; }

        /// <summary>The bindable properties of an object, by configuration key (case-insensitive).</summary>
        public Dictionary<string, PropertyInfo> Properties { get; }

        public static Shape Of(Type type)
        {
            lock (CacheLock)
            {
                if (!Cache.TryGetValue(type, out var shape))
                {
                    shape = Create(type);
                    Cache.Add(type, shape);
                }

                return shape;
            }
        }

        private static Shape Create(Type type)
        {
            var none = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
            var target = Nullable.GetUnderlyingType(type) ?? type;
            if (IsScalar(type))
            {
                return new Shape(type, Kind.Scalar, null, none);
            }

            if ((GenericArguments(target, typeof(IDictionary<,>)) ?? GenericArguments(target, typeof(IReadOnlyDictionary<,>))) is { } pair)
            {
                return new Shape(type, Kind.Dictionary, pair[1], none);
            }

            if (target.IsArray)
            {
                return new Shape(type, Kind.Collection, target.GetElementType(), none);
            }

            if (GenericArguments(target, typeof(IEnumerable<>)) is { } item)
            {
                return new Shape(type, Kind.Collection, item[0], none);
            }

            if (target.IsAbstract || target.IsInterface)
            {
                return new Shape(type, Kind.Unsupported, null, none);
            }

            var properties = new Dictionary<string, PropertyInfo>(StringComparer.OrdinalIgnoreCase);
            foreach (var property in target.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetIndexParameters().Length > 0 || property.GetMethod is not { IsPublic: true })
                {
                    continue;
                }

                // The binder sets a property with a public setter, and fills a read-only one in place when it holds an
                // object or a collection; a read-only value (a string, a number) it cannot change. A property of an
                // abstract type (a DbDataSource, say) can only be set in code, so it is no configuration key.
                var propertyType = property.PropertyType;
                var bindable = IsScalar(propertyType) || !(propertyType.IsAbstract || propertyType.IsInterface)
                    || GenericArguments(propertyType, typeof(IEnumerable<>)) is not null;
                if (bindable && (property.SetMethod is { IsPublic: true } || !IsScalar(propertyType)))
                {
                    var key = property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;
                    properties[key] = property;
                }
            }

            return new Shape(type, Kind.Object, null, properties);
        }

        private static bool IsScalar(Type type) =>
            TypeDescriptor.GetConverter(Nullable.GetUnderlyingType(type) ?? type).CanConvertFrom(typeof(string));

        private static Type[]? GenericArguments(Type type, Type definition)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == definition)
            {
                return type.GetGenericArguments();
            }

            return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == definition)?.GetGenericArguments();
        }
    }
}

using System.Data.Common;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;

namespace HealthKit.Tests.Redaction;

/// <summary>
/// A secret written in one format as a real system writes it. <see cref="Forms"/> are the secret and every encoding of
/// it that <see cref="Text"/> holds (percent-encoded, base64, JSON-escaped): none of them, nor any 8-character piece of
/// them, may leave the process.
/// </summary>
public sealed record SecretShape(string Format, string Text, string[] Forms)
{
    public override string ToString() => $"{Format}: {Text}";
}

/// <summary>Generators of secrets and of the formats that carry them.</summary>
internal static class SecretShapes
{
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    /// <summary>The characters that break naive parsers, each listed three times so that most secrets hold several.</summary>
    private const string Specials = "/?#@&;={}\"' /?#@&;={}\"' /?#@&;={}\"' éüñжд中€";

    private const string Base64Chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    private const string UpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string UrlSafe = Letters + "-_";

    /// <summary>A password of 12 to 24 characters drawn from letters, digits, <c>/ ? # @ &amp; ; = { } " '</c>, space and non-ASCII.</summary>
    public static readonly Gen<string> Secret = Gen.Char[Letters + Specials].Array[12, 24].Select(chars => new string(chars));

    private static readonly Gen<string> Host = Gen.OneOf("db.internal", "10.0.0.7", "cache", "[fd00::5]", "mq.example.test");

    private static Gen<string> Chars(string alphabet, int min, int max) => Gen.Char[alphabet].Array[min, max].Select(c => new string(c));

    public static readonly Gen<SecretShape> Any = Gen.OneOf(
        Gen.Select(Secret, Gen.OneOf("Password", "Pwd", "password", "User Password"), AdoNet),
        Gen.Select(Secret, Odbc),
        Gen.Select(Secret, Gen.OneOf("Password", "PWD", "AccountKey", "SharedAccessKey"), UnquotedConnectionString),
        Gen.Select(Secret, Gen.OneOf("postgres", "amqp", "redis", "https", "mongodb+srv"), Host, Uri),
        Gen.Select(Secret, Gen.OneOf("postgres", "amqp", "redis", "sftp"), Host, RawUserInfo),
        Gen.Select(Secret, Gen.OneOf("token", "access_token", "sig", "api_key", "client_secret"), Query),
        Gen.Select(Secret, Gen.OneOf("password", "client_secret", "apiKey", "refresh_token"), Gen.Bool, Json),
        Gen.Select(Secret, Gen.OneOf("DB_PASSWORD={0}", "password: {0}", "X-Api-Key: {0}", "secret = {0}"), KeyValueLine),
        Gen.Select(Secret, Basic),
        Gen.Select(Secret, Bearer),
        Gen.Select(Chars(Letters, 36, 36), Gen.OneOf("ghp_", "gho_", "ghs_", "ghu_"), (body, prefix) => Token("github", prefix, body)),
        Gen.Select(Chars(Letters + "_", 82, 82), body => Token("github-fine-grained", "github_pat_", body)),
        Gen.Select(Chars("0123456789", 12, 12), Chars(Letters, 24, 24), Gen.OneOf("xoxb-", "xoxp-", "xoxa-", "xoxr-"),
            (id, body, prefix) => Token("slack", prefix, id + "-" + id + "-" + body)),
        Gen.Select(Chars(UrlSafe, 20, 40), Chars(UrlSafe, 20, 60), Chars(UrlSafe, 43, 43), Jwt),
        Gen.Select(Chars(Base64Chars, 64, 64).Array[2, 5], PrivateKey),
        Gen.Select(Chars(UpperDigits, 16, 16), Gen.OneOf("AKIA", "ASIA"), (body, prefix) => Token("aws-key-id", prefix, body)),
        Gen.Select(Chars(Base64Chars, 40, 40), Gen.OneOf("aws_secret_access_key = {0}", "AWS_SECRET_ACCESS_KEY={0}", "\"SecretAccessKey\": \"{0}\""), AwsSecret));

    private static SecretShape AdoNet(string secret, string key)
    {
        var builder = new DbConnectionStringBuilder { ["Host"] = "db", [key] = secret, ["Timeout"] = "5" };
        return new("ado.net", builder.ConnectionString, [secret]);
    }

    private static SecretShape Odbc(string secret)
    {
        var builder = new DbConnectionStringBuilder(useOdbcRules: true) { ["Driver"] = "{PostgreSQL Unicode}", ["PWD"] = secret, ["UID"] = "app" };
        return new("odbc", builder.ConnectionString, [secret]);
    }

    /// <summary>The common invalid form: the value unquoted, so an <c>&amp;</c> or a space stands bare in it.</summary>
    private static SecretShape UnquotedConnectionString(string secret, string key)
    {
        secret = Bare(secret.Replace(";", string.Empty, StringComparison.Ordinal));
        return new("connection-string-unquoted", $"Host=db;Username=app;{key}={secret};Port=5432", [secret]);
    }

    private static SecretShape Uri(string secret, string scheme, string host)
    {
        var encoded = System.Uri.EscapeDataString(secret);
        return new("uri", $"{scheme}://app:{encoded}@{host}:5432/orders?sslmode=require", [secret, encoded]);
    }

    /// <summary>The common invalid form: <c>/ ? # @</c> left unencoded in the user-info, everything else encoded.</summary>
    private static SecretShape RawUserInfo(string secret, string scheme, string host)
    {
        var written = new StringBuilder();
        foreach (var rune in secret.EnumerateRunes())
        {
            var text = rune.ToString();
            written.Append(text is "/" or "?" or "#" or "@" ? text : System.Uri.EscapeDataString(text));
        }

        var user = secret.Length % 2 == 0 ? "app" : string.Empty;
        return new("uri-unencoded", $"{scheme}://{user}:{written}@{host}/vhost", [secret, written.ToString()]);
    }

    private static SecretShape Query(string secret, string key)
    {
        var encoded = System.Uri.EscapeDataString(secret);
        return new("query", $"https://api.example.test/cb?user=bob&{key}={encoded}&next=1", [secret, encoded]);
    }

    private static SecretShape Json(string secret, string key, bool relaxed)
    {
        var options = new JsonSerializerOptions { Encoder = relaxed ? JavaScriptEncoder.UnsafeRelaxedJsonEscaping : JavaScriptEncoder.Default };
        var text = JsonSerializer.Serialize(new Dictionary<string, object> { ["user"] = "app", [key] = secret, ["port"] = 5432 }, options);
        var escaped = JsonSerializer.Serialize(secret, options)[1..^1];
        return new("json", text, [secret, escaped]);
    }

    /// <summary>An environment variable, a YAML line, a header: the value runs to the end of its line.</summary>
    private static SecretShape KeyValueLine(string secret, string format)
    {
        secret = Bare(secret);
        return new("key-value", "HOST=db\n" + string.Format(System.Globalization.CultureInfo.InvariantCulture, format, secret) + "\nPORT=5432", [secret]);
    }

    private static SecretShape Basic(string secret)
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("app:" + secret));
        return new("authorization-basic", secret.Length % 2 == 0 ? "Authorization: Basic " + encoded : "request sent with Basic " + encoded, [secret, encoded]);
    }

    private static SecretShape Bearer(string secret)
    {
        var token = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return secret.Length % 2 == 0
            ? new("authorization-bearer", "Authorization: Bearer " + Bare(secret), [Bare(secret)])
            : new("bearer-token", "the gateway refused Bearer " + token, [token]);
    }

    private static SecretShape Token(string format, string prefix, string body) => new(format, prefix + body, [body]);

    private static SecretShape Jwt(string header, string payload, string signature)
    {
        var token = "eyJ" + header + ".eyJ" + payload + "." + signature;
        return new("jwt", token, [token[3..]]);
    }

    private static SecretShape PrivateKey(string[] lines)
    {
        var body = string.Join("\n", lines);
        return new("pem", "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----", [.. lines]);
    }

    private static SecretShape AwsSecret(string secret, string format) =>
        new("aws-secret", string.Format(System.Globalization.CultureInfo.InvariantCulture, format, secret), [secret]);

    /// <summary>
    /// A value that starts with a quote or a brace is read as quoted, as every parser of these formats reads it; an
    /// unquoted value starts with something else.
    /// </summary>
    private static string Bare(string secret) => secret[0] is '"' or '\'' or '{' or ' ' ? "x" + secret : secret;
}

using System.Globalization;

namespace HealthKit.Tests.Redaction;

/// <summary>
/// One case of redaction: a check returns <c>data[Key] = Value</c> and uses <see cref="Text"/> (<c>Key=Value</c>) as its
/// description or exception message. <see cref="ExpectedValue"/> is the data value as rendered under
/// <see cref="RenderedKey"/>, <see cref="ExpectedText"/> the text as rendered, and none of <see cref="Secrets"/> may appear
/// anywhere, in any response or log.
/// </summary>
internal sealed record RedactionCase(string Key, object Value, string ExpectedValue, string ExpectedText, string[] Secrets, string? RenderedKeyOverride = null)
{
    public string Text => Key + "=" + Convert.ToString(Value, CultureInfo.InvariantCulture);

    public string RenderedKey => RenderedKeyOverride ?? Key;

    public bool IsNegative => Secrets.Length == 0;

    public override string ToString() => Key;
}

/// <summary>The one table that drives the unit, response and log tests of redaction.</summary>
internal static class RedactionCases
{
    private const string Mask = "******";

    public static readonly RedactionCase[] All =
    [
        // Keys that name a secret: the value is masked whatever it is.
        new("password", "hk-pw-0001", Mask, "password=" + Mask, ["hk-pw-0001"]),
        new("ApiKey", "hk-ak-0002", Mask, "ApiKey=" + Mask, ["hk-ak-0002"]),
        new("client_secret", "hk-cs-0003", Mask, "client_secret=" + Mask, ["hk-cs-0003"]),
        new("Authorization", "Bearer hkJwt0004.payload.sig", Mask, "Authorization=" + Mask, ["hkJwt0004"]),
        new("DB_PASSWORD", "hk-db-0005", Mask, "DB_PASSWORD=" + Mask, ["hk-db-0005"]),
        new("apiKey", "hk-ak-0006", Mask, "apiKey=" + Mask, ["hk-ak-0006"]),
        new("AccountKey", "hkAK0007/ab+cd==", Mask, "AccountKey=" + Mask, ["hkAK0007"]),
        new("AWS_SECRET_ACCESS_KEY", "hkAWS0008/K7MDENG", Mask, "AWS_SECRET_ACCESS_KEY=" + Mask, ["hkAWS0008"]),
        new("x-api-key", "hk-xk-0009", Mask, "x-api-key=" + Mask, ["hk-xk-0009"]),
        new("accountkey", "hk-lower-0010", Mask, "accountkey=" + Mask, ["hk-lower-0010"]),
        new("token", "hk-tok-0011", Mask, "token=" + Mask, ["hk-tok-0011"]),
        new("credentials", "hk-cred-0012", Mask, "credentials=" + Mask, ["hk-cred-0012"]),
        new("Pwd", "hk-pwd-0013", Mask, "Pwd=" + Mask, ["hk-pwd-0013"]),
        new("passwd", "hk-passwd-0014", Mask, "passwd=" + Mask, ["hk-passwd-0014"]),
        new("vcap_services", "hk-vcap-0015", Mask, "vcap_services=" + Mask, ["hk-vcap-0015"]),
        new("spring.datasource.password", "hk-dotted-0016", Mask, "spring.datasource.password=" + Mask, ["hk-dotted-0016"]),
        new("password2", "hk-numbered-0017", Mask, "password2=" + Mask, ["hk-numbered-0017"]),
        new("refresh_token", "hk,with spaces,0018", Mask, "refresh_token=" + Mask, ["hk,with spaces,0018", "spaces,0018"]),

        // A judgement call: a count under a plural key is masked too, because the value could as well be the keys.
        new("cacheKeys", 17, Mask, "cacheKeys=" + Mask, []),

        // Secrets inside values: connection strings, environment variables, query strings, JSON, headers, URIs.
        new("conn", "Host=db;Username=app;Password=hk,0020 x", "Host=db;Username=app;Password=" + Mask,
            "conn=Host=db;Username=app;Password=" + Mask, ["hk,0020", "0020 x"]),
        new("halves", "Password=ab,cd", "Password=" + Mask, "halves=Password=" + Mask, ["ab,cd", ",cd"]),
        new("sql", "Server=sql;User Id=sa;Pwd=hk-pwd-0021;Encrypt=true", "Server=sql;User Id=sa;Pwd=" + Mask + ";Encrypt=true",
            "sql=Server=sql;User Id=sa;Pwd=" + Mask + ";Encrypt=true", ["hk-pwd-0021"]),
        new("storage", "DefaultEndpointsProtocol=https;AccountName=hkacct;AccountKey=hkAK0022+/ab==;EndpointSuffix=core.windows.net",
            "DefaultEndpointsProtocol=https;AccountName=hkacct;AccountKey=" + Mask + ";EndpointSuffix=core.windows.net",
            "storage=DefaultEndpointsProtocol=https;AccountName=hkacct;AccountKey=" + Mask + ";EndpointSuffix=core.windows.net",
            ["hkAK0022"]),
        new("bus", "Endpoint=sb://hk.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=hkSAK0023=",
            "Endpoint=sb://hk.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + Mask,
            "bus=Endpoint=sb://hk.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=" + Mask,
            ["hkSAK0023"]),
        new("env", "DB_PASSWORD=hk-env-0024", "DB_PASSWORD=" + Mask, "env=DB_PASSWORD=" + Mask, ["hk-env-0024"]),
        new("pg", "POSTGRES_PASSWORD=hk-pg-0025", "POSTGRES_PASSWORD=" + Mask, "pg=POSTGRES_PASSWORD=" + Mask, ["hk-pg-0025"]),
        new("aws", "AWS_SECRET_ACCESS_KEY=hkAWS0026/K7MDENG", "AWS_SECRET_ACCESS_KEY=" + Mask, "aws=AWS_SECRET_ACCESS_KEY=" + Mask, ["hkAWS0026", "K7MDENG"]),
        new("callback", "https://api.example.test/cb?user=bob&token=hk-tok-0027&next=1", "https://api.example.test/cb?user=bob&token=" + Mask + "&next=1",
            "callback=https://api.example.test/cb?user=bob&token=" + Mask + "&next=1", ["hk-tok-0027"]),
        new("json", """{"password":"hk-json-0028","user":"app"}""", """{"password":"******","user":"app"}""",
            """json={"password":"******","user":"app"}""", ["hk-json-0028"]),
        new("spaced", """{"client_secret": "hk-json-0029", "n": 1}""", """{"client_secret": "******", "n": 1}""",
            """spaced={"client_secret": "******", "n": 1}""", ["hk-json-0029"]),
        new("escaped", """{"token":"hk\"esc0030"}""", """{"token":"******"}""", """escaped={"token":"******"}""", ["esc0030"]),
        new("bearer", "request refused: Bearer hkBearer0031.abc", "request refused: Bearer " + Mask,
            "bearer=request refused: Bearer " + Mask, ["hkBearer0031"]),
        new("basic", "sent Basic aGs6YmFzaWMwMDMy", "sent Basic " + Mask, "basic=sent Basic " + Mask, ["aGs6YmFzaWMwMDMy"]),
        new("uri", "postgres://app:hk-p@ss0033@db.internal:5432/orders", "postgres://app:" + Mask + "@db.internal:5432/orders",
            "uri=postgres://app:" + Mask + "@db.internal:5432/orders", ["hk-p@ss0033", "ss0033"]),
        new("amqp", "amqp://guest:hk0034@rabbit/", "amqp://guest:" + Mask + "@rabbit/", "amqp=amqp://guest:" + Mask + "@rabbit/", ["hk0034"]),
        new("quoted", "Password=\"hk;0035 x\";Host=db", "Password=\"" + Mask + "\";Host=db", "quoted=Password=\"" + Mask + "\";Host=db", ["hk;0035", "0035 x"]),
        new("header", "X-Api-Key: hkHeader0036", "X-Api-Key: " + Mask, "header=X-Api-Key: " + Mask, ["hkHeader0036"]),
        new("yaml", "password: hk-yaml-0037", "password: " + Mask, "yaml=password: " + Mask, ["hk-yaml-0037"]),

        // A key that itself carries a secret is scrubbed like a value; its last word is not a secret word.
        new("Host=db;Password=hk-kv-0040", true, "true", "Host=db;Password=" + Mask, ["hk-kv-0040"], "Host=db;Password=" + Mask),

        // Not secrets: nothing may be redacted.
        new("monkeyCount", 12, "12", "monkeyCount=12", []),
        new("path", "/var/keys", "/var/keys", "path=/var/keys", []),
        new("/run/secrets", "mounted", "mounted", "/run/secrets=mounted", []),
        new("keyspace", "orders", "orders", "keyspace=orders", []),
        new("tokenizerVersion", "3.1", "3.1", "tokenizerVersion=3.1", []),
        new("keyboard", "us", "us", "keyboard=us", []),
        new("SharedAccessKeyName", "RootManageSharedAccessKey", "RootManageSharedAccessKey", "SharedAccessKeyName=RootManageSharedAccessKey", []),
        new("connectionString", "Host=db;Database=orders", "Host=db;Database=orders", "connectionString=Host=db;Database=orders", []),
        new("note", "Basic checks passed", "Basic checks passed", "note=Basic checks passed", []),
        new("server", "https://db.internal:5432/x", "https://db.internal:5432/x", "server=https://db.internal:5432/x", []),
    ];

    /// <summary>Every planted secret, for assertions over a whole response or log.</summary>
    public static readonly string[] AllSecrets = [.. All.SelectMany(c => c.Secrets)];

    public static TheoryData<string> Keys => new(All.Select(c => c.Key));

    public static RedactionCase Get(string key) => All.Single(c => c.Key == key);
}

using Npgsql;

namespace ActorRollouts.Actors.Configuration;

/// <summary>A shared journal given as a URL, <c>postgresql://user[:password]@host[:port]/database[?option=value&amp;…]</c>
/// (libpq's form; <c>postgres://</c> too). Options are Npgsql connection-string keywords (<c>sslmode=require</c>,
/// <c>timeout=30</c>). A password is better left out of the URL, where shells and process lists keep it: Npgsql reads
/// <c>PGPASSWORD</c> or <c>~/.pgpass</c> itself. <see cref="Display"/> never shows one.</summary>
public sealed record JournalUrl
{
    private JournalUrl(string connectionString, string display)
    {
        ConnectionString = connectionString;
        Display = display;
    }

    /// <summary>The Npgsql connection string: holds the password if the URL had one; never log it.</summary>
    public string ConnectionString { get; }

    /// <summary>The URL without its password, for messages and logs.</summary>
    public string Display { get; }

    public override string ToString() => Display;

    /// <exception cref="FormatException">The text is not a PostgreSQL URL; the message says what is wrong.</exception>
    public static JournalUrl Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgresql" or "postgres"))
            throw new FormatException($"--journal-url must look like postgresql://user@host:port/database (got '{Redact(text)}').");
        var database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (uri.Host.Length == 0 || database.Length == 0 || database.Contains('/'))
            throw new FormatException($"--journal-url needs a host and one database name: postgresql://user@host:port/database (got '{Redact(text)}').");

        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = database,
        };
        var (user, password) = UserInfo(uri);
        if (user is not null) builder.Username = user;
        if (password is not null) builder.Password = password;
        foreach (var (key, value) in QueryOptions(uri))
        {
            try
            {
                builder[key] = value;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                throw new FormatException($"--journal-url option '{key}={value}' is not a connection setting Npgsql accepts: {ex.Message}");
            }
        }
        return new JournalUrl(builder.ConnectionString, Redact(text));
    }

    private static (string? User, string? Password) UserInfo(Uri uri)
    {
        if (uri.UserInfo.Length == 0) return (null, null);
        var colon = uri.UserInfo.IndexOf(':');
        return colon < 0
            ? (Uri.UnescapeDataString(uri.UserInfo), null)
            : (Uri.UnescapeDataString(uri.UserInfo[..colon]), Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]));
    }

    private static IEnumerable<(string Key, string Value)> QueryOptions(Uri uri) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries).Select(pair =>
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) throw new FormatException($"--journal-url option '{pair}' has no value (write key=value).");
            return (Uri.UnescapeDataString(pair[..equals]), Uri.UnescapeDataString(pair[(equals + 1)..]));
        });

    /// <summary>The text with anything between "user:" and "@" replaced, so a password never reaches a message.</summary>
    private static string Redact(string text)
    {
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        var at = text.LastIndexOf('@');
        if (scheme < 0 || at < scheme) return text;
        var colon = text.IndexOf(':', scheme + 3);
        return colon < 0 || colon > at ? text : text[..(colon + 1)] + "***" + text[at..];
    }
}

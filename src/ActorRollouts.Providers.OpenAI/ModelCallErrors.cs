using System.ClientModel;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Turns what the SDK and the network throw into a <see cref="ModelCallException"/> with a message a user can
/// read in the journal, and the facts the retry decision needs. Never includes an API key.</summary>
internal static partial class ModelCallErrors
{
    [GeneratedRegex(@"sk-[A-Za-z0-9_\-*]{3,}")]
    private static partial Regex KeyLike();

    /// <summary>Runs one streamed attempt against <paramref name="path"/>: <paramref name="readStream"/> consumes the
    /// stream, <paramref name="complete"/> assembles the answer with the attempt's latency. A cancellation by the caller
    /// (its timeout or shutdown) passes through; any other failure becomes a <see cref="ModelCallException"/>.</summary>
    public static async Task<ModelResponse> AttemptAsync(Endpoint endpoint, string path, Func<Task> readStream,
        Func<long, ModelResponse> complete, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            await readStream();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the caller gave up: it knows why
        }
        catch (Exception ex) when (ex is not ModelCallException)
        {
            throw From(ex, endpoint, path, cancellationToken);
        }
        return complete(clock.ElapsedMilliseconds);
    }

    public static ModelCallException From(Exception ex, Endpoint endpoint, string path, CancellationToken cancellationToken)
    {
        var url = $"{endpoint.BaseUrl.TrimEnd('/')}/{path}";
        return ex switch
        {
            ClientResultException { Status: > 0 } http => FromHttp(http, url),
            ClientResultException { InnerException: { } inner } => From(inner, endpoint, path, cancellationToken),
            HttpRequestException { InnerException: IOException } or IOException =>
                new ModelCallException(ModelErrorKinds.StreamCut, Mask($"the connection to {url} broke mid-response: {Innermost(ex).Message}"), retryable: true, inner: ex),
            HttpRequestException http =>
                new ModelCallException(ModelErrorKinds.Connection, Mask($"cannot reach {url}: {ConnectionProblem(http)}"), retryable: true, inner: ex),
            JsonException =>
                new ModelCallException(ModelErrorKinds.Protocol, Mask($"a malformed event in the response stream from {url}: {ex.Message}"), retryable: true, inner: ex),
            OperationCanceledException or TimeoutException =>
                new ModelCallException(ModelErrorKinds.Timeout, $"{url} did not answer in time", retryable: true, inner: ex),
            _ => new ModelCallException(ModelErrorKinds.Protocol, Mask($"unexpected answer from {url}: {ex.GetType().Name}: {ex.Message}"), inner: ex),
        };
    }

    private static ModelCallException FromHttp(ClientResultException ex, string url)
    {
        var response = ex.GetRawResponse();
        var (message, code) = ReadError(response?.Content);
        // The headers win; without them OpenAI's 429 body still says how long to wait ("Please try again in 1.2s.").
        var retryAfter = (response is null ? null : RetryAfterParser.Parse(
            response.Headers.TryGetValue("retry-after-ms", out var ms) ? ms : null,
            response.Headers.TryGetValue("retry-after", out var seconds) ? seconds : null,
            DateTimeOffset.UtcNow)) ?? (ex.Status == 429 ? RetryAfterParser.FromMessage(message) : null);
        var text = $"HTTP {ex.Status} from {url}: {message ?? ex.Message}{(code is null ? "" : $" ({code})")}";
        return new ModelCallException(ModelErrorKinds.Http, Mask(text), ex.Status, retryAfter, RetryClassifier.IsRetryable(ex.Status, code), ex);
    }

    /// <summary>OpenAI's error body: <c>{"error":{"message","type","param","code"}}</c>; anything else is left alone.</summary>
    private static (string? Message, string? Code) ReadError(BinaryData? content)
    {
        if (content is null) return (null, null);
        try
        {
            using var doc = JsonDocument.Parse(content);
            if (!doc.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object) return (null, null);
            string? Text(string name) => error.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            return (Text("message"), Text("code") ?? Text("type"));
        }
        catch (JsonException)
        {
            var raw = content.ToString();
            return (raw.Length > 300 ? raw[..300] : raw, null);
        }
    }

    private static string ConnectionProblem(HttpRequestException ex) =>
        ex.InnerException is SocketException socket ? $"{socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "Connection refused",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.TimedOut => "connection timed out",
            _ => socket.Message,
        }}" : ex.Message;

    private static Exception Innermost(Exception ex) => ex.InnerException is null ? ex : Innermost(ex.InnerException);

    /// <summary>OpenAI's own 401 message quotes part of the key it got; never let that reach the journal.</summary>
    internal static string Mask(string text) => KeyLike().Replace(text, "sk-***");
}

/// <summary>Which failures a retry can help, after the OpenAI SDKs' rules: 408, 409, 429 and 5xx — except quota and
/// context-length errors, which fail the same way every time.</summary>
internal static class RetryClassifier
{
    public static bool IsRetryable(int status, string? errorCode) =>
        errorCode is not ("insufficient_quota" or "context_length_exceeded")
        && status is 408 or 409 or 429 or >= 500;
}

/// <summary>How long the server asked us to wait: <c>retry-after-ms</c> (milliseconds), else <c>retry-after</c> in
/// seconds (fractions allowed) or as an HTTP date. Null when absent or unreadable.</summary>
internal static partial class RetryAfterParser
{
    [GeneratedRegex(@"(?i)try again in\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|secs|seconds?)\b")]
    private static partial Regex TryAgainIn();

    /// <summary>The delay an OpenAI rate-limit message names ("Please try again in 11.054s", "… in 20ms"), or null.</summary>
    public static TimeSpan? FromMessage(string? message)
    {
        if (message is null || TryAgainIn().Match(message) is not { Success: true } m) return null;
        var amount = double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        return m.Groups[2].Value.Equals("ms", StringComparison.OrdinalIgnoreCase) ? TimeSpan.FromMilliseconds(amount) : TimeSpan.FromSeconds(amount);
    }

    public static TimeSpan? Parse(string? retryAfterMs, string? retryAfter, DateTimeOffset now)
    {
        if (double.TryParse(retryAfterMs, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var ms) && ms >= 0)
            return TimeSpan.FromMilliseconds(ms);
        if (double.TryParse(retryAfter, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0)
            return TimeSpan.FromSeconds(s);
        if (DateTimeOffset.TryParse(retryAfter, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
            return date > now ? date - now : TimeSpan.Zero;
        return null;
    }
}

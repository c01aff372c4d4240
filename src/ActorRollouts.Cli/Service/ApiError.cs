namespace ActorRollouts.Cli.Service;

/// <summary>A request the service refuses: its HTTP status and a message that names the field or id at fault. Nothing was
/// changed. <paramref name="RetryAfterSeconds"/> goes out as <c>Retry-After</c> (429).</summary>
public sealed class ApiError(int status, string message, int? retryAfterSeconds = null) : Exception(message)
{
    public int Status => status;

    public int? RetryAfterSeconds => retryAfterSeconds;

    public static ApiError BadRequest(string message) => new(400, message);

    public static ApiError NotFound(string message) => new(404, message);

    public static ApiError Conflict(string message) => new(409, message);
}

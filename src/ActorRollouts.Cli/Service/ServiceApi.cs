using System.Text.Json;
using ActorRollouts.Actors.Providers;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Tasks;
using ActorRollouts.Environments;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static ActorRollouts.Actors.Fleets.FleetCommands;

namespace ActorRollouts.Cli.Service;

/// <summary>The service's JSON API under <c>/v1</c>, beside the viewer on the same Kestrel and behind the same access rule.
/// Every refusal is a 4xx answer <c>{"error": "…"}</c> that names the field, index or id at fault, and changes nothing.
/// The reference is docs/service.md.</summary>
public static class ServiceApi
{
    public static void Map(WebApplication app, ServedFleets fleets, string taskBaseDir)
    {
        // Cast: a lambda of HttpContext alone would be taken for a RequestDelegate, and its result dropped.
        app.MapPost("/v1/fleets", (Func<HttpContext, Task<IResult>>)(context => Answer(context, async body =>
        {
            var root = Object(body, "fleet_id", "settings", "tasks");
            var fleetId = root.TryGetProperty("fleet_id", out var id) && id.ValueKind != JsonValueKind.Null
                ? id.ValueKind == JsonValueKind.String ? id.GetString() : throw ApiError.BadRequest("fleet_id must be a string.")
                : null;
            var settings = ServiceSettings.Parse(root.TryGetProperty("settings", out var s) ? s : throw ApiError.BadRequest("settings is required (at least base_url and model)."));
            var tasks = Tasks(root, taskBaseDir);
            var (created, fleet) = await fleets.CreateAsync(fleetId, settings, tasks);
            return created ? Results.Json(new { fleet_id = fleet }, statusCode: 201) : Results.Json(await StatusAsync(fleets, fleet));
        })));

        app.MapPost("/v1/fleets/{id}/tasks", (HttpContext context, string id) => Answer(context, async body =>
        {
            var root = Object(body, "tasks");
            if (!fleets.Has(id)) throw ApiError.NotFound($"no fleet '{id}' on this server");
            var added = await fleets.AddAsync(id, Tasks(root, taskBaseDir));
            return Results.Json(new { fleet_id = id, added_sessions = added.Added, already_planned_tasks = added.AlreadyPlannedTasks });
        }));

        app.MapGet("/v1/fleets/{id}", (HttpContext context, string id) => Answer(context, async _ => Results.Json(await StatusAsync(fleets, id)), readsBody: false));

        app.MapGet("/v1/fleets/{id}/trajectories", (HttpContext context, string id, string? after, string? format, string? wait) => Answer(context, async _ =>
        {
            if (!fleets.Has(id)) throw ApiError.NotFound($"no fleet '{id}' on this server");
            format ??= "trajectories";
            if (!TrajectoryStream.Formats.Contains(format))
                throw ApiError.BadRequest($"format must be {string.Join(" or ", TrajectoryStream.Formats)} (got '{format}').");
            var seconds = wait is null ? 0
                : int.TryParse(wait, out var w) && w is >= 0 and <= TrajectoryStream.MaxWaitSeconds ? w
                : throw ApiError.BadRequest($"wait must be a whole number of seconds from 0 to {TrajectoryStream.MaxWaitSeconds} (got '{wait}').");
            var cursor = TrajectoryStream.Cursor.Parse(after);
            await TrajectoryStream.WriteAsync(context, fleets, id, cursor, format, seconds);
            return Results.Empty;
        }, readsBody: false));

        app.MapPost("/v1/sessions/{id}/cancel", (HttpContext context, string id) => Answer(context, async body =>
        {
            var root = body.ValueKind == JsonValueKind.Undefined ? default : Object(body, "reason");
            var reason = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("reason", out var r)
                ? r.ValueKind == JsonValueKind.String ? r.GetString()! : throw ApiError.BadRequest("reason must be a string.")
                : "cancelled through the service API";
            var cancelled = await fleets.CancelAsync(id, reason);
            return Results.Json(new { session_id = id, cancelled, detail = cancelled ? "cancel journaled; the session stops now" : "the session had already ended" },
                statusCode: cancelled ? 202 : 200);
        }, bodyOptional: true));

        app.MapPost("/v1/fleets/{id}/policy", (HttpContext context, string id) => Answer(context, async body =>
        {
            var root = Object(body, "policy_version", "base_url", "model", "mode");
            if (!fleets.Has(id)) throw ApiError.NotFound($"no fleet '{id}' on this server");
            var version = root.TryGetProperty("policy_version", out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= 0
                ? n : throw ApiError.BadRequest("policy_version is required: a whole number of at least 0.");
            var mode = OptionalString(root, "mode") ?? PolicyModes.Drain;
            if (!PolicyModes.IsValid(mode)) throw ApiError.BadRequest($"mode must be drain, abort or keep (got '{mode}').");
            var baseUrl = OptionalString(root, "base_url");
            if (baseUrl is not null && !(Uri.TryCreate(baseUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
                throw ApiError.BadRequest($"base_url '{baseUrl}' is not an http(s) URL.");
            var updated = await fleets.UpdatePolicyAsync(id, new UpdatePolicy(version, baseUrl, OptionalString(root, "model"), mode));
            return Results.Json(new { fleet_id = id, policy_version = updated.PolicyVersion, mode = updated.Mode, changes = updated.Changes, sessions_updated = updated.Sessions });
        }));

        app.MapMethods("/v1/{**rest}", ["GET", "POST", "PUT", "DELETE", "PATCH"], (string rest) =>
            Results.Json(new { error = $"no such route: /v1/{rest} (see docs/service.md)" }, statusCode: 404));
    }

    /// <summary>Runs a handler with the request's JSON body, turning every refusal into its 4xx answer.</summary>
    private static async Task<IResult> Answer(HttpContext context, Func<JsonElement, Task<IResult>> handle, bool readsBody = true, bool bodyOptional = false)
    {
        try
        {
            var body = readsBody ? await BodyAsync(context, bodyOptional) : default;
            return await handle(body);
        }
        catch (ApiError error)
        {
            if (error.RetryAfterSeconds is { } seconds) context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (context.Response.HasStarted) return Results.Empty;
            return Results.Json(new { error = error.Message }, statusCode: error.Status);
        }
        catch (Akka.Actor.AskTimeoutException) when (!context.Response.HasStarted)
        {
            return Results.Json(new { error = "the fleet did not answer in time (it may be starting on a cluster node): try again" }, statusCode: 503);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && !context.Response.HasStarted)
        {
            // Never an empty 500: the client hears what failed, and the log has the whole exception.
            Serilog.Log.Error(ex, "serve: {Method} {Path} failed", context.Request.Method, context.Request.Path);
            return Results.Json(new { error = $"internal error: {ex.GetBaseException().Message} (see the server's log)" }, statusCode: 500);
        }
    }

    private static async Task<JsonElement> BodyAsync(HttpContext context, bool optional)
    {
        if (optional && context.Request.ContentLength is 0 or null && !context.Request.Headers.TransferEncoding.Any()) return default;
        try
        {
            using var doc = await JsonDocument.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            return doc.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw ApiError.BadRequest($"the body is not valid JSON: {ex.Message.Split([" Path:", " LineNumber:"], StringSplitOptions.None)[0]} " +
                                      $"(line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})");
        }
    }

    /// <summary>The body as an object with only the <paramref name="known"/> fields: a misspelt field is an error, never a
    /// setting silently ignored.</summary>
    private static JsonElement Object(JsonElement body, params string[] known)
    {
        if (body.ValueKind != JsonValueKind.Object) throw ApiError.BadRequest($"the body must be a JSON object with {string.Join(", ", known)}.");
        foreach (var field in body.EnumerateObject())
            if (!known.Contains(field.Name)) throw ApiError.BadRequest($"unknown field '{field.Name}' (known: {string.Join(", ", known)}).");
        return body;
    }

    private static string? OptionalString(JsonElement root, string name) =>
        !root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : throw ApiError.BadRequest($"{name} must be a string.");

    /// <summary>The <c>tasks</c> array, each checked as a task file's line is: errors name <c>tasks[i]</c> and the field.</summary>
    private static IReadOnlyList<TaskDefinition> Tasks(JsonElement root, string baseDir)
    {
        if (!root.TryGetProperty("tasks", out var tasks) || tasks.ValueKind != JsonValueKind.Array || tasks.GetArrayLength() == 0)
            throw ApiError.BadRequest("tasks must be a non-empty array of task objects (as the lines of a task file).");
        var parsed = new List<TaskDefinition>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var i = 0;
        foreach (var task in tasks.EnumerateArray())
        {
            var where = $"tasks[{i}]";
            try
            {
                var definition = TaskFile.ParseObject(task, where, baseDir, ToolCatalog.IsKnown);
                if (seen.TryGetValue(definition.Id, out var first)) throw ApiError.BadRequest($"{where}: task id '{definition.Id}' is used twice (first at tasks[{first}]).");
                seen[definition.Id] = i;
                parsed.Add(definition);
            }
            catch (TaskFileException ex)
            {
                throw ApiError.BadRequest(ex.Message);
            }
            i++;
        }
        return parsed;
    }

    /// <summary><c>GET /v1/fleets/{id}</c>: what the fleet is doing now.</summary>
    private static async Task<object> StatusAsync(ServedFleets fleets, string id)
    {
        var status = await fleets.StatusAsync(id);
        var inFlight = await fleets.InFlightAsync(id);
        return new
        {
            fleet_id = id,
            status = status.Finished == status.Sessions ? "idle" : "running",
            policy_version = status.Settings?.PolicyVersion ?? 0,
            updating = status.Updating,
            concurrency = status.Concurrency,
            counts = new
            {
                sessions = status.Sessions,
                queued = status.Queued,
                running = status.Running,
                finished = status.Finished,
                completed = status.Finished - status.Failed,
                failed = status.Failed,
            },
            model_requests = new
            {
                in_flight = inFlight.Running,
                held = inFlight.Held,
                in_flight_by_policy_version = inFlight.ByVersion.ToDictionary(v => v.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), v => v.Value),
            },
            settings = JsonSerializer.SerializeToElement(status.Settings, RolloutJson.Listing),
            settings_changes = status.SettingsChanges,
            started_at = status.StartedAt,
        };
    }
}

using System.Globalization;
using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tokens;
using ActorRollouts.Core.Trajectories;
using Microsoft.AspNetCore.Http;
using static ActorRollouts.Core.Fleets.FleetEvents;

namespace ActorRollouts.Cli.Service;

/// <summary><c>GET /v1/fleets/{id}/trajectories</c>: finished sessions in the order the fleet journaled their ends, as
/// NDJSON, each line with a <c>cursor</c>. A cursor is <c>SEQ:LINE</c>: the sequence number of the session's
/// <c>fleet-session-finished</c> in the fleet's journal and the line's place among that session's lines (a session has one
/// trajectory, and one line per token sample). Both come from the journal, so a client that reconnects with the last
/// cursor it read, to this server or to one restarted after a crash, gets no gap and no duplicate. The stream stays open
/// up to <c>wait</c> seconds, sending lines as sessions finish.</summary>
public static class TrajectoryStream
{
    public const int MaxWaitSeconds = 300;
    public static readonly string[] Formats = ["trajectories", "tokens"];

    public readonly record struct Cursor(long Seq, int Line)
    {
        /// <summary>Every line up to and including this one was read; <c>SEQ</c> alone: all of that session's lines.</summary>
        public static Cursor Parse(string? text)
        {
            if (string.IsNullOrEmpty(text)) return new Cursor(0, int.MaxValue);
            var parts = text.Split(':');
            if (parts.Length <= 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
                && (parts.Length == 1 || int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out _)))
                return new Cursor(seq, parts.Length == 1 ? int.MaxValue : int.Parse(parts[1], CultureInfo.InvariantCulture));
            throw ApiError.BadRequest($"after: '{text}' is not a cursor (cursors look like 12:0; pass back the last one you read).");
        }

        public bool IsBefore(long seq, int line) => Seq < seq || (Seq == seq && Line < line);

        public override string ToString() => $"{Seq}:{Line}";
    }

    public static async Task WriteAsync(HttpContext context, ServedFleets fleets, string fleetId, Cursor after, string format, int waitSeconds)
    {
        var cancel = context.RequestAborted;
        var deadline = DateTimeOffset.UtcNow.AddSeconds(waitSeconds);
        context.Response.ContentType = "application/x-ndjson; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.StartAsync(cancel);
        var position = after;
        while (!cancel.IsCancellationRequested)
        {
            var changed = fleets.NextChange(fleetId); // taken before reading: a session finishing meanwhile still wakes us
            // A cursor in the middle of a session's lines reads that session again, from its next line.
            var fromSeq = position.Line == int.MaxValue ? position.Seq : position.Seq - 1;
            foreach (var (seq, e) in await fleets.Reader.FleetEventsAfterAsync(fleetId, Math.Max(0, fromSeq)))
            {
                if (e is not FleetSessionFinished finished) continue;
                var lines = await LinesAsync(fleets, finished, format);
                for (var i = 0; i < lines.Count; i++)
                {
                    if (!position.IsBefore(seq, i)) continue;
                    await context.Response.WriteAsync(WithCursor(lines[i], new Cursor(seq, i), lines.Count), cancel);
                }
                position = new Cursor(seq, int.MaxValue);
                await context.Response.Body.FlushAsync(cancel);
            }
            var left = deadline - DateTimeOffset.UtcNow;
            if (left <= TimeSpan.Zero) break;
            await Task.WhenAny(changed, Task.Delay(left, cancel));
        }
    }

    /// <summary>The session's lines: its trajectory, or its token samples (one line saying "unavailable" when it has none).
    /// A session cancelled before it started has no journal of its own: its line says how it ended.</summary>
    private static async Task<IReadOnlyList<string>> LinesAsync(ServedFleets fleets, FleetSessionFinished finished, string format)
    {
        var session = await fleets.Reader.SessionAsync(finished.SessionId);
        if (session.Spec is null)
            return [JsonSerializer.Serialize(new { session_id = finished.SessionId, status = finished.Status, stop_reason = finished.StopReason, error = finished.Error },
                RolloutJson.Options)];
        return format == "tokens" ? TokenExport.Lines(session).ToList() : [JsonSerializer.Serialize(Trajectory.From(session), RolloutJson.Options)];
    }

    /// <summary>The line with its cursor and the number of lines its session has, first.</summary>
    private static string WithCursor(string line, Cursor cursor, int sessionLines) =>
        new StringBuilder(line.Length + 48).Append("{\"cursor\":\"").Append(cursor.ToString()).Append("\",\"session_lines\":")
            .Append(sessionLines.ToString(CultureInfo.InvariantCulture)).Append(',').Append(line, 1, line.Length - 1).Append('\n').ToString();
}

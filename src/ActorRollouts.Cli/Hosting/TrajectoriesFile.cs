using System.Text.Json;
using ActorRollouts.Actors.Trace;
using ActorRollouts.Core.Fleets;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Trajectories;

namespace ActorRollouts.Cli.Hosting;

/// <summary>The fleet's trajectories file holds one line per finished session, appended as each one ends (after its
/// outcome is journaled). Nothing reads the journal again after the last step; instead, before a fleet continues, the
/// file is checked against the fleet's journal: a line a crash cut off, a line for a session the journal does not call
/// finished, or a second line for one session is dropped, and a finished session without a line gets it from its journal.</summary>
public static class TrajectoriesFile
{
    /// <param name="quiet">Filling the file is expected (a cluster fleet's submitter writes it at the end): no message.</param>
    public static async Task PrepareAsync(JournalReader reader, FleetState fleet, string path, bool quiet = false)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        if (!fleet.IsPlanned)
        {
            await File.WriteAllTextAsync(path, ""); // a new fleet starts a new file, whatever --out held before
            return;
        }
        var kept = new List<string>();
        var written = new HashSet<string>();
        var dropped = 0;
        if (File.Exists(path))
            foreach (var line in File.ReadLines(path))
            {
                if (SessionIdOf(line) is { } id && fleet.Finished.ContainsKey(id) && written.Add(id)) kept.Add(line);
                else if (line.Length > 0) dropped++;
            }
        var missing = fleet.Sessions.Where(s => fleet.Finished.ContainsKey(s.SessionId) && !written.Contains(s.SessionId)).ToList();
        if (dropped == 0 && missing.Count == 0) return;
        foreach (var spec in missing)
            if (Trajectory.From(await reader.SessionAsync(spec.SessionId)) is { } trajectory)
                kept.Add(JsonSerializer.Serialize(trajectory, RolloutJson.Options));
        var temp = path + ".tmp";
        await File.WriteAllLinesAsync(temp, kept);
        File.Move(temp, path, overwrite: true);
        if (!quiet) Console.Error.WriteLine($"trajectories {path}: repaired from the journal ({missing.Count} lines added, {dropped} dropped)");
    }

    private static string? SessionIdOf(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.TryGetProperty("session_id", out var id) ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null; // cut off by a crash mid-write
        }
    }
}

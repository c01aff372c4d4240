using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>The viewer over the shared PostgreSQL journal: the same API on the same fleet as <c>stats</c> reads there.</summary>
public sealed class ViewerPostgresTests(KnownFleetOnPostgres fleet) : IClassFixture<KnownFleetOnPostgres>
{
    [Fact]
    public async Task FleetsSessionsAndWorkspaces_ReadFromPostgres()
    {
        await using var viewer = await ViewerProcess.StartAsync(["view", .. fleet.Journal, "--port", "0"]);
        using var http = new HttpClient { BaseAddress = viewer.Root };

        var fleets = (await http.GetFromJsonAsync<JsonArray>("/api/fleets"))!;
        var known = Assert.Single(fleets, f => (string?)f!["fleet_id"] == KnownFleet.FleetId)!;
        Assert.Equal("complete", (string?)known["status"]);
        Assert.Equal(5, (int)known["sessions"]!);
        Assert.Equal(4, (int)known["by_status"]!["completed"]!);
        Assert.Equal(1, (int)known["by_status"]!["failed"]!);

        var rows = (await http.GetFromJsonAsync<JsonObject>($"/api/fleet?id={KnownFleet.FleetId}"))!["sessions"]!.AsArray();
        Assert.Equal(["capped:0", "denied:0", "fix:0", "fix:1", "notes:0"],
            rows.Select(r => ((string)r!["session_id"]!)[(KnownFleet.FleetId.Length + 1)..]).Order());
        Assert.Equal(1.0, (double?)rows.Single(r => (string?)r!["session_id"] == $"{KnownFleet.FleetId}:fix:0")!["reward"]);

        var session = (await http.GetFromJsonAsync<JsonObject>($"/api/session?id={KnownFleet.FleetId}:fix:0"))!;
        var lines = session["lines"]!.AsArray();
        Assert.Equal("metadata", (string?)lines[0]!["_type"]);
        Assert.Contains(lines, l => (string?)l!["type"] == "reward_assigned");
        Assert.Equal((long)session["session"]!["last_seq"]!, (long)lines[^1]!["seq"]!);

        var workspace = (await http.GetFromJsonAsync<JsonObject>($"/api/workspace?id={KnownFleet.FleetId}:fix:0"))!;
        Assert.Contains(workspace["entries"]!.AsArray(), e => (string?)e!["path"] == "greeting.txt");
        var file = (await http.GetFromJsonAsync<JsonObject>($"/api/workspace/file?id={KnownFleet.FleetId}:fix:0&path=greeting.txt"))!;
        Assert.Equal("Hello, world!\n", (string?)file["text"]);

        var tools = (await http.GetFromJsonAsync<JsonObject>($"/api/fleet/tools?id={KnownFleet.FleetId}"))!;
        Assert.Equal(1, (int)tools[$"{KnownFleet.FleetId}:notes:0"]!["by_result"]!["E_NOT_FOUND"]!);
    }
}

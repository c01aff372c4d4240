using System.Net.Http.Headers;

namespace ActorRollouts.Cli.Viewer;

/// <summary>Before the viewer says it is ready, it asks itself for what a first visit asks for: the page, the fleet
/// list, a fleet and one of its sessions. The first request through Kestrel, the static files and each API route pays for
/// compiling that code (about 300 ms for the page alone on a 2-core machine); paid here, a user's first click does not
/// wait for it. Read-only GETs over loopback, so the fleet sees nothing of it.</summary>
internal static class ViewerWarmUp
{
    /// <summary>Fleets tried for a session with a journal of its own (a fleet's first session may not have one yet).</summary>
    private const int FleetsTried = 3;

    /// <summary>How many of the pages answered. A warm-up that fails (the viewer stopping meanwhile, say) only leaves the
    /// first visit slower: it counts 0.</summary>
    public static async Task<int> RunAsync(Uri bound, string? token, ViewerJournal journal, CancellationToken cancel)
    {
        try
        {
            return await VisitAsync(bound, token, journal, cancel);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or InvalidOperationException)
        {
            return 0;
        }
    }

    private static async Task<int> VisitAsync(Uri bound, string? token, ViewerJournal journal, CancellationToken cancel)
    {
        using var client = new HttpClient { BaseAddress = Loopback(bound), Timeout = TimeSpan.FromSeconds(30) };
        if (token is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var served = 0;
        async Task<bool> Get(string path)
        {
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseContentRead, cancel);
            if (response.IsSuccessStatusCode) served++;
            return response.IsSuccessStatusCode;
        }
        await Get("/");
        await Get("/api/fleets");
        foreach (var fleetId in (await journal.FleetIdsAsync()).Take(FleetsTried))
        {
            if ((await journal.RowsAsync(fleetId))?.Rows.FirstOrDefault(row => row.StartedAt is not null) is not { } begun) continue;
            await Get($"/api/fleet?id={Uri.EscapeDataString(fleetId)}");
            if (await Get($"/api/session?id={Uri.EscapeDataString(begun.SessionId)}")) break;
        }
        return served;
    }

    /// <summary>The bound address as this process can reach it: a viewer listening on every interface is asked on loopback.</summary>
    private static Uri Loopback(Uri bound) =>
        bound.Host is "0.0.0.0" or "[::]" or "::" ? new UriBuilder(bound) { Host = "127.0.0.1" }.Uri : bound;
}

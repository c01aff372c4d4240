using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using ActorRollouts.Cli.Tests.Viewer;
using ActorRollouts.FakeLlm;

namespace ActorRollouts.Cli.Tests;

/// <summary>A real <c>serve</c> process with one fleet on FakeLlm, shared by the tests of <see cref="ServeApiTests"/>.</summary>
public sealed class ServedFleet : IAsyncLifetime
{
    public const string FleetId = "api";
    private const string Script = """{ "scenarios": [ { "delay_ms": 0, "turns": [ { "content": "Done." } ] } ] }""";

    public FakeLlmServer Model { get; private set; } = null!;
    public ViewerProcess Serve { get; private set; } = null!;
    public HttpClient Http { get; } = new();
    public string DataDir { get; } = Cli.NewTempDir();

    public async Task InitializeAsync()
    {
        Model = await FakeLlmServer.StartAsync(FakeScript.Parse(Script));
        Serve = await ViewerProcess.StartAsync("serve", "--data-dir", DataDir, "--port", "0");
        Http.BaseAddress = Serve.Root;
        var created = await PostAsync("/v1/fleets", $$"""{"fleet_id": "{{FleetId}}", "settings": {"base_url": "{{Model.BaseUrl}}", "model": "m"}, "tasks": [{"id": "t", "prompt": "hi"}]}""");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    public Task<HttpResponseMessage> PostAsync(string path, string body) =>
        Http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    public async Task DisposeAsync()
    {
        await Serve.DisposeAsync();
        await Model.DisposeAsync();
        Http.Dispose();
    }
}

/// <summary>Every route's bad input gets a 4xx JSON answer that names what is wrong, and changes nothing.</summary>
public sealed class ServeApiTests(ServedFleet served) : IClassFixture<ServedFleet>
{
    private const string Fleet = ServedFleet.FleetId;

    private async Task<JsonObject> FleetStatusAsync() =>
        JsonNode.Parse(await served.Http.GetStringAsync($"/v1/fleets/{Fleet}"))!.AsObject();

    /// <summary>The fleet as the server reports it, less what moves by itself (its one session may finish meanwhile).</summary>
    private async Task<string> UnchangedPartAsync()
    {
        var status = await FleetStatusAsync();
        return $"{status["counts"]!["sessions"]} {status["policy_version"]} {status["settings"]!.ToJsonString()} {status["settings_changes"]!.ToJsonString()}";
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, params string[] mentions)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var error = JsonNode.Parse(text)!["error"]!.GetValue<string>();
        foreach (var mention in mentions) Assert.Contains(mention, error);
    }

    public static TheoryData<string, string, string, int, string[]> BadRequests => new()
    {
        // route, path, body, status, what the error names
        { "create: malformed JSON", "/v1/fleets", """{"settings": {""", 400, ["not valid JSON", "(line 1, byte"] },
        { "create: unknown field", "/v1/fleets", """{"fleet_id": "x1", "setings": {}, "tasks": []}""", 400, ["unknown field 'setings'"] },
        { "create: bad task", "/v1/fleets", """{"fleet_id": "x2", "settings": {"base_url": "http://127.0.0.1:9/v1"}, "tasks": [{"id": "a", "prompt": "p"}, {"id": "b"}]}""", 400, ["tasks[1]", "'prompt'"] },
        { "create: unknown task field", "/v1/fleets", """{"fleet_id": "x3", "settings": {"base_url": "http://127.0.0.1:9/v1"}, "tasks": [{"id": "a", "prompt": "p", "sampels": 2}]}""", 400, ["tasks[0]", "'sampels'"] },
        { "create: unknown setting", "/v1/fleets", """{"fleet_id": "x4", "settings": {"max_turn": 3}, "tasks": [{"id": "a", "prompt": "p"}]}""", 400, ["settings", "'max_turn'"] },
        { "create: bad setting", "/v1/fleets", """{"fleet_id": "x5", "settings": {"max_turns": 0}, "tasks": [{"id": "a", "prompt": "p"}]}""", 400, ["settings.max_turns", "at least 1"] },
        { "create: setting of the wrong type", "/v1/fleets", """{"fleet_id": "x6", "settings": {"tokens": 3}, "tasks": [{"id": "a", "prompt": "p"}]}""", 400, ["settings.tokens", "string"] },
        { "create: no base URL", "/v1/fleets", """{"fleet_id": "x7", "settings": {"model": "m"}, "tasks": [{"id": "a", "prompt": "p"}]}""", 400, ["settings.base_url is required"] },
        { "create: bad fleet id", "/v1/fleets", """{"fleet_id": "a/b", "settings": {}, "tasks": [{"id": "a", "prompt": "p"}]}""", 400, ["fleet_id 'a/b'"] },
        { "tasks: malformed JSON", $"/v1/fleets/{Fleet}/tasks", "{", 400, ["not valid JSON"] },
        { "tasks: unknown field", $"/v1/fleets/{Fleet}/tasks", """{"tasks": [{"id": "n", "prompt": "p"}], "priority": 1}""", 400, ["unknown field 'priority'"] },
        { "tasks: bad task", $"/v1/fleets/{Fleet}/tasks", """{"tasks": [{"id": "n", "prompt": "p"}, {"id": "m", "prompt": "p", "max_turns": -1}]}""", 400, ["tasks[1]", "'max_turns'"] },
        { "tasks: unknown fleet", "/v1/fleets/nope/tasks", """{"tasks": [{"id": "n", "prompt": "p"}]}""", 404, ["no fleet 'nope'"] },
        { "cancel: malformed JSON", $"/v1/sessions/{Fleet}:t:0/cancel", "{\"reason\": ", 400, ["not valid JSON"] },
        { "cancel: unknown field", $"/v1/sessions/{Fleet}:t:0/cancel", """{"why": "x"}""", 400, ["unknown field 'why'"] },
        { "cancel: unknown session", $"/v1/sessions/{Fleet}:nope:0/cancel", "{}", 404, ["no session"] },
        { "cancel: unknown fleet", "/v1/sessions/nope:t:0/cancel", "{}", 404, ["no session 'nope:t:0'"] },
        { "policy: malformed JSON", $"/v1/fleets/{Fleet}/policy", "[1,", 400, ["not valid JSON"] },
        { "policy: unknown field", $"/v1/fleets/{Fleet}/policy", """{"policy_version": 1, "version": 1}""", 400, ["unknown field 'version'"] },
        { "policy: no version", $"/v1/fleets/{Fleet}/policy", """{"mode": "drain"}""", 400, ["policy_version is required"] },
        { "policy: bad mode", $"/v1/fleets/{Fleet}/policy", """{"policy_version": 1, "mode": "later"}""", 400, ["mode must be drain, abort or keep"] },
        { "policy: bad base URL", $"/v1/fleets/{Fleet}/policy", """{"policy_version": 1, "base_url": "ftp://x"}""", 400, ["base_url 'ftp://x'"] },
        { "policy: version not above the current", $"/v1/fleets/{Fleet}/policy", """{"policy_version": 0}""", 409, ["above the current 0"] },
        { "policy: unknown fleet", "/v1/fleets/nope/policy", """{"policy_version": 1}""", 404, ["no fleet 'nope'"] },
        { "no such route", "/v1/fleet", "{}", 404, ["no such route"] },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInput_IsAClearJsonError_AndChangesNothing(string route, string path, string body, int status, string[] mentions)
    {
        var before = await UnchangedPartAsync();
        await AssertErrorAsync(await served.PostAsync(path, body), (HttpStatusCode)status, mentions);
        Assert.True(before == await UnchangedPartAsync(), $"{route} changed the fleet");
        // A fleet a bad create named was not started.
        foreach (var id in new[] { "x1", "x2", "x3", "x4", "x5", "x6", "x7" })
            Assert.Equal(HttpStatusCode.NotFound, (await served.Http.GetAsync($"/v1/fleets/{id}")).StatusCode);
    }

    [Theory]
    [InlineData("/v1/fleets/nope", 404, "no fleet 'nope'")]
    [InlineData("/v1/fleets/nope/trajectories", 404, "no fleet 'nope'")]
    [InlineData($"/v1/fleets/{Fleet}/trajectories?format=parquet", 400, "format must be trajectories or tokens")]
    [InlineData($"/v1/fleets/{Fleet}/trajectories?after=yesterday", 400, "after: 'yesterday' is not a cursor")]
    [InlineData($"/v1/fleets/{Fleet}/trajectories?wait=9999", 400, "wait must be a whole number of seconds from 0 to 300")]
    public async Task BadReads_AreClearJsonErrors(string path, int status, string mention) =>
        await AssertErrorAsync(await served.Http.GetAsync(path), (HttpStatusCode)status, mention);

    [Fact]
    public async Task CreatingAFleetThatExists_AnswersItAsItStands_AndStartsNothing()
    {
        var again = await served.PostAsync("/v1/fleets", $$"""{"fleet_id": "{{Fleet}}", "settings": {"base_url": "{{served.Model.BaseUrl}}", "model": "other"}, "tasks": [{"id": "u", "prompt": "p"}]}""");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var status = JsonNode.Parse(await again.Content.ReadAsStringAsync())!;
        Assert.Equal(Fleet, status["fleet_id"]!.GetValue<string>());
        Assert.Equal("m", status["settings"]!["model"]!.GetValue<string>()); // the fleet as it was started
        Assert.Equal(1, status["counts"]!["sessions"]!.GetValue<int>());
    }
}

/// <summary><c>serve --host</c> anything but 127.0.0.1 needs the token it printed, as <c>Authorization: Bearer</c>.</summary>
public sealed class ServeAccessTests
{
    [Fact]
    public async Task AWrongOrMissingToken_Is401InJson_AndTheRightOneIsLetIn()
    {
        await using var serve = await ViewerProcess.StartAsync("serve", "--data-dir", Cli.NewTempDir(), "--port", "0", "--host", "0.0.0.0");
        var token = serve.Url.Split("?token=")[1];
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{serve.Root.Port}") };
        foreach (var given in new[] { null, "0123456789abcdef0123456789abcdef" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/fleets") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
            if (given is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", given);
            var refused = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains("Authorization: Bearer", JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["error"]!.GetValue<string>());
        }
        using var allowed = new HttpRequestMessage(HttpMethod.Get, "/v1/fleets/none");
        allowed.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.NotFound, (await http.SendAsync(allowed)).StatusCode); // let in: the fleet is what is missing
        Assert.Contains($"token {token}", serve.Stdout);
    }
}

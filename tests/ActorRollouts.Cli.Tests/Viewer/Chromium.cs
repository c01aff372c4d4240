using PuppeteerSharp;

namespace ActorRollouts.Cli.Tests.Viewer;

/// <summary>Debian's Chromium (the <c>chromium</c> package, which <c>tests/run</c> installs), headless, driven by
/// PuppeteerSharp. Nothing is downloaded: the executable is the system's. The flags keep it off the network this machine
/// kind closes (background fetches, component updates) and let it run as root.</summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string Executable = "/usr/bin/chromium";

    private readonly string _profile = Cli.NewTempDir();

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(Executable))
            throw new InvalidOperationException($"{Executable} is missing: the viewer's browser tests need Debian's chromium (tests/run installs it).");
        Browser = await Puppeteer.LaunchAsync(new LaunchOptions
        {
            ExecutablePath = Executable,
            Headless = true,
            UserDataDir = _profile,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            DefaultViewport = new ViewPortOptions { Width = 1440, Height = 900 },
        });
    }

    /// <summary>A new page that fails the test on any script error or dialog (an injected <c>alert</c> would be one).</summary>
    public async Task<IPage> NewPageAsync(List<string> problems)
    {
        var page = await Browser.NewPageAsync();
        page.PageError += (_, e) => problems.Add($"page error: {e.Message}");
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error) problems.Add($"console error: {e.Message.Text} ({e.Message.Location?.URL})");
        };
        page.Dialog += async (_, e) =>
        {
            problems.Add($"dialog opened: {e.Dialog.Message}");
            await e.Dialog.Dismiss();
        };
        page.DefaultTimeout = 15_000;
        return page;
    }

    public async Task DisposeAsync()
    {
        await Browser.CloseAsync();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
            // Chromium may still be letting go of its profile; a temp folder left behind is harmless
        }
    }
}

/// <summary>The tests that drive Chromium run alone, after every other test: their load times are measured with nothing
/// else running, and a browser's CPU does not slow the timing-sensitive tests beside them (kills, clusters).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTests
{
    public const string Name = "browser tests, run alone";
}

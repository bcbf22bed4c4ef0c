using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dojo.Api.Tests.Infrastructure;
using Dojo.Domain.Jobs;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Dojo.Api.Tests.EndToEnd;

/// <summary>
/// Dojo's web page in a real headless Chromium (Debian's chromium and chromedriver; .ci/run installs them) against a
/// real Dojo process: what a student does on it, with screenshots kept as test artifacts.
/// </summary>
public sealed class BrowserTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "dojo-browser", Guid.NewGuid().ToString("N"));
    private readonly int _rest = DojoProcess.FreePort();
    private readonly DojoProcess _api;
    private readonly ChromeDriver _browser;

    public BrowserTests()
    {
        _api = DojoProcess.Api(_data, _rest, DojoProcess.FreePort(), inProcessWorker: true);
        var options = new ChromeOptions { BinaryLocation = Environment.GetEnvironmentVariable("DOJO_CHROMIUM") ?? "/usr/bin/chromium" };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,1400", "--lang=en");
        var service = ChromeDriverService.CreateDefaultService("/usr/bin", "chromedriver");
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        _browser = new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

    private string Page => $"http://127.0.0.1:{_rest}/";

    private HttpClient Client(string token) => DojoProcess.Client(_rest, token);

    /// <summary>A wait that looks again when the page has just redrawn what it looked at (the job list refreshes itself).</summary>
    private WebDriverWait Wait(int seconds = 30)
    {
        var wait = new WebDriverWait(_browser, TimeSpan.FromSeconds(seconds));
        wait.IgnoreExceptionTypes(typeof(StaleElementReferenceException), typeof(NoSuchElementException));
        return wait;
    }

    private void SignIn(string token)
    {
        _browser.Navigate().GoToUrl(Page);
        Wait().Until(b => b.FindElement(By.Id("token"))).SendKeys(token);
        _browser.FindElement(By.Id("sign-in")).Click();
        Wait().Until(b => b.FindElement(By.Id("jobs-table")));
    }

    private void Screenshot(string name) => Artifacts.Save(name, _browser.GetScreenshot().AsByteArray);

    private int Points(string chart) => int.Parse(_browser.FindElement(By.Id(chart)).GetDomAttribute("data-points") ?? "0");

    [Fact]
    public async Task A_student_signs_in_submits_the_xor_sample_and_watches_it_learn_and_sees_only_their_own_jobs()
    {
        await _api.WaitForOutputAsync("Now listening on: http://127.0.0.1:" + _rest, TimeSpan.FromSeconds(60));
        var instructor = Client(DojoFactory.InstructorToken);
        var alice = await (await instructor.PostAsJsonAsync("/api/users", new { name = "Alice", number = "B001" })).Content.ReadFromJsonAsync<JsonObject>();
        var bob = await (await instructor.PostAsJsonAsync("/api/users", new { name = "Bob", number = "B002" })).Content.ReadFromJsonAsync<JsonObject>();
        // Bob's job, which Alice must never see.
        var bobs = Client(bob!["secret"]!.GetValue<string>());
        var bobJob = await (await bobs.PostAsJsonAsync("/api/jobs", DojoClient.With(DojoClient.Sample("xor"), ("name", "bobs-job"), ("training.epochs", 5))))
            .Content.ReadFromJsonAsync<JsonObject>();

        // A wrong token is refused on the page, the right one signs in.
        _browser.Navigate().GoToUrl(Page);
        Wait().Until(b => b.FindElement(By.Id("token"))).SendKeys("dojo_not-a-token");
        _browser.FindElement(By.Id("sign-in")).Click();
        Wait().Until(b => b.FindElement(By.CssSelector("form.sign-in [role=alert]")).Text.Length > 0);
        SignIn(alice!["secret"]!.GetValue<string>());

        // Submit the XOR sample as it is filled in, made long enough to watch: 60 epochs of single-sample steps.
        var spec = Wait().Until(b => b.FindElement(By.Id("spec")).GetDomProperty("value") is { Length: > 0 } ? b.FindElement(By.Id("spec")) : null)!;
        var sample = JsonNode.Parse(spec.GetDomProperty("value")!)!.AsObject();
        Assert.Equal("xor", sample["dataset"]!["generator"]!.GetValue<string>());
        sample["training"]!["epochs"] = 60;
        sample["training"]!["batchSize"] = 1;
        sample["dataset"]!["samples"] = 1000;
        ((IJavaScriptExecutor)_browser).ExecuteScript("arguments[0].value = arguments[1]", spec, sample.ToJsonString());
        _browser.FindElement(By.Id("submit")).Click();

        // The job page: the curve gains points while the job runs, and the boundary is drawn from a checkpoint.
        Wait().Until(b => b.FindElement(By.Id("loss-chart")));
        Wait(60).Until(_ => Points("loss-chart") > 0);
        int early = Points("loss-chart");
        Wait(60).Until(b => Points("loss-chart") > early && b.FindElement(By.CssSelector("h2 .state")).Text == "running");
        Wait(60).Until(b => b.FindElement(By.Id("boundary")).GetDomAttribute("data-epoch") is { Length: > 0 });
        Screenshot("browser-job-running.png");

        // At the end: the state, the last boundary, the final metrics and the confusion matrix.
        Wait(120).Until(b => b.FindElement(By.CssSelector("h2 .state")).Text == "succeeded");
        Wait().Until(b => b.FindElements(By.CssSelector("#confusion tbody tr")).Count == 2);
        Wait().Until(b => b.FindElement(By.Id("boundary")).GetDomAttribute("data-epoch") == "60");
        Assert.True(Points("accuracy-chart") >= 60, $"{Points("accuracy-chart")} accuracy points");
        var confusion = _browser.FindElements(By.CssSelector("#confusion tbody td")).Select(c => int.Parse(c.Text)).ToList();
        Assert.Equal(500, confusion.Sum()); // the test split: half of 1,000 points
        Assert.True(confusion[0] + confusion[3] > 0.9 * 500, $"confusion {string.Join(",", confusion)}");
        Assert.Equal(true, ((IJavaScriptExecutor)_browser).ExecuteScript("return document.getElementById('boundary').naturalWidth === 300"));
        Screenshot("browser-job-finished.png");

        // The job list shows Alice's job and never Bob's.
        _browser.FindElement(By.LinkText("Jobs")).Click();
        Wait().Until(b => b.FindElements(By.CssSelector("tr.job-row")).Count > 0);
        var rows = _browser.FindElements(By.CssSelector("tr.job-row")).Select(r => r.GetDomAttribute("data-id")).ToList();
        Assert.Single(rows);
        Assert.DoesNotContain(bobJob!["id"]!.GetValue<string>(), rows);
        Screenshot("browser-job-list.png");

        // The instructor's exercise page: Alice's automatically graded 演習① with its runs' progress, and the export.
        var first = await CourseHelpers.SeededExerciseAsync(instructor, 1);
        const string page = "https://playground.tensorflow.org/#activation=tanh&batchSize=10&learningRate=0.03&noise=0&seed=0.12345&percTrainData=50&x=true&y=true&problem=classification";
        var handedIn = await Client(alice["secret"]!.GetValue<string>()).PostAsJsonAsync($"/api/exercises/{first}/submissions",
            new { playgroundUrls = new { xor = page + "&dataset=xor&networkShape=4,2", spiral = page + "&dataset=spiral&networkShape=8,8,6,6&sinX=true&sinY=true" } });
        Assert.True(handedIn.IsSuccessStatusCode, await handedIn.Content.ReadAsStringAsync());
        _browser.FindElement(By.Id("sign-out")).Click();
        SignIn(DojoFactory.InstructorToken);
        _browser.FindElement(By.LinkText("Exercises")).Click();
        Wait().Until(b => b.FindElement(By.PartialLinkText("演習①"))).Click();
        Wait().Until(b => b.FindElements(By.CssSelector("tr.submission-row .grading-progress progress")).Count == 1);
        Wait(120).Until(b => b.FindElement(By.CssSelector("tr.submission-row .state")).Text == "graded");
        var progress = _browser.FindElement(By.CssSelector("tr.submission-row .grading-progress progress"));
        Assert.Equal(progress.GetDomProperty("max"), progress.GetDomProperty("value"));
        Assert.Contains("xor: passed", _browser.FindElement(By.CssSelector("tr.submission-row")).Text);
        Assert.True(_browser.FindElement(By.Id("export")).Displayed);
        Screenshot("browser-exercise.png");
    }

    public void Dispose()
    {
        _browser.Quit();
        _browser.Dispose();
        _api.Dispose();
        try { Directory.Delete(_data, recursive: true); } catch (IOException) { }
    }
}

using Inference.Engine.Generation;

namespace Inference.Engine.Tests.Generation;

[TestFixture]
public sealed class StopSequenceMatcherTests
{
    [Test]
    public void StopSplitAcrossPieces_IsCaughtAndNotEmitted()
    {
        var matcher = new StopSequenceMatcher(["END"]);
        string first = matcher.Push("abc E", out bool stopped1);
        string second = matcher.Push("N", out bool stopped2);
        string third = matcher.Push("D tail", out bool stopped3);

        Assert.Multiple(() =>
        {
            Assert.That(first, Is.EqualTo("abc "));
            Assert.That(stopped1, Is.False);
            Assert.That(second, Is.Empty);
            Assert.That(stopped2, Is.False);
            Assert.That(third, Is.Empty);
            Assert.That(stopped3, Is.True);
        });
    }

    [Test]
    public void HeldPrefixThatNeverCompletes_IsReleased()
    {
        var matcher = new StopSequenceMatcher(["STOP"]);
        string emitted = matcher.Push("x ST", out _) + matcher.Push("AY", out bool stopped) + matcher.Flush();
        Assert.That(emitted, Is.EqualTo("x STAY"));
        Assert.That(stopped, Is.False);
    }

    [Test]
    public void EarliestOfSeveralStops_Wins()
    {
        var matcher = new StopSequenceMatcher(["world", "lo w"]);
        string emitted = matcher.Push("hello world", out bool stopped);
        Assert.That(emitted, Is.EqualTo("hel"));
        Assert.That(stopped, Is.True);
    }

    [Test]
    public void NoStops_PassesTextThrough()
    {
        var matcher = new StopSequenceMatcher([]);
        Assert.That(matcher.Push("anything", out bool stopped), Is.EqualTo("anything"));
        Assert.That(stopped, Is.False);
        Assert.That(matcher.IsActive, Is.False);
    }
}

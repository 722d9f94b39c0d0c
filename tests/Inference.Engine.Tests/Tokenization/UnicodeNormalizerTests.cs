using Inference.Engine.Tokenization;
using NUnit.Framework;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>The bundled NFD/NFC against Python's unicodedata (the expected values were produced by it).</summary>
[TestFixture]
public sealed class UnicodeNormalizerTests
{
    [TestCase("Cafe\u0301 NAI\u0308VE", "Cafe\u0301 NAI\u0308VE", "Caf\u00E9 NA\u00CFVE")]
    [TestCase("caf\u00E9", "cafe\u0301", "caf\u00E9")]
    [TestCase("\u1E0B\u0323", "d\u0323\u0307", "\u1E0D\u0307")]
    [TestCase("d\u0307\u0323", "d\u0323\u0307", "\u1E0D\u0307")]
    [TestCase("\u212B", "A\u030A", "\u00C5")]
    [TestCase("\u0958", "\u0915\u093C", "\u0915\u093C")]
    [TestCase("Ti\u1EBFng Vi\u1EC7t", "Tie\u0302\u0301ng Vie\u0323\u0302t", "Ti\u1EBFng Vi\u1EC7t")]
    [TestCase("\u1F71", "\u03B1\u0301", "\u03AC")]
    [TestCase("\uD55C\uAD6D\uC5B4", "\u1112\u1161\u11AB\u1100\u116E\u11A8\u110B\u1165", "\uD55C\uAD6D\uC5B4")]
    [TestCase("\u1112\u1161\u11AB", "\u1112\u1161\u11AB", "\uD55C")]
    [TestCase("\uFB01", "\uFB01", "\uFB01")]
    [TestCase("\u00C5\u0301\u0316", "A\u0316\u030A\u0301", "\u01FA\u0316")]
    [TestCase("a\u0328\u0301", "a\u0328\u0301", "\u0105\u0301")]
    [TestCase("\U0001D15E", "\U0001D157\U0001D165", "\U0001D157\U0001D165")]
    [TestCase("x\u0300\u0315\u0301", "x\u0300\u0301\u0315", "x\u0300\u0301\u0315")]
    [TestCase("\u0B47\u0B3E", "\u0B47\u0B3E", "\u0B4B")]
    [TestCase("Gr\u00F6\u00DFe Stra\u00DFe \u00FCber", "Gro\u0308\u00DFe Stra\u00DFe u\u0308ber", "Gr\u00F6\u00DFe Stra\u00DFe \u00FCber")]
    public void Matches_python_unicodedata(string text, string nfd, string nfc)
    {
        Assert.Multiple(() =>
        {
            Assert.That(Hex(UnicodeNormalizer.ToNfd(text)), Is.EqualTo(Hex(nfd)));
            Assert.That(Hex(UnicodeNormalizer.ToNfc(text)), Is.EqualTo(Hex(nfc)));
        });
    }

    [Test]
    public void Ascii_is_returned_unchanged()
    {
        const string text = "plain ASCII text";
        Assert.That(UnicodeNormalizer.ToNfc(text), Is.SameAs(text));
        Assert.That(UnicodeNormalizer.ToNfd(text), Is.SameAs(text));
    }

    private static string Hex(string text) => string.Join(" ", text.EnumerateRunes().Select(r => r.Value.ToString("X4", System.Globalization.CultureInfo.InvariantCulture)));
}

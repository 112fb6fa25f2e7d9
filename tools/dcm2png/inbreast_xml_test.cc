#include "tools/dcm2png/inbreast_xml.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace mammo::dcm2png {
namespace {

using ::testing::HasSubstr;

std::string Plist(const std::string& rois) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
         "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"
         "<plist version=\"1.0\">\n<dict>\n<key>Images</key>\n<array>\n<dict>\n"
         "<key>ImageIndex</key><integer>0</integer>\n<key>ROIs</key>\n<array>\n" +
         rois + "</array>\n</dict>\n</array>\n</dict>\n</plist>\n";
}

// Keys are looked up by name: a dict without the statistics keys, and one with its keys in
// another order, read as well as a full one.
TEST(InbreastXmlTest, RoisAreReadByKeyWhateverTheKeysPresent) {
  const std::string text = Plist(
      "<dict><key>Area</key><real>1</real><key>Dev</key><real>2</real>"
      "<key>Name</key><string>Mass</string>\n<key>Point_px</key><array>"
      "<string>(10.5, 20.25)</string><string>(30, 20)</string>"
      "<string>( 20 ,40 )</string></array></dict>\n"
      "<dict><key>Point_px</key><array><string>(7.1, 8.9)</string></array>"
      "<key>Name</key><string> Calcification </string></dict>\n");
  const absl::StatusOr<std::vector<InbreastRoi>> rois = ParseInbreastXml(text, "AllXML/1.xml");
  ASSERT_TRUE(rois.ok()) << rois.status();
  ASSERT_EQ(rois->size(), 2u);
  EXPECT_EQ((*rois)[0].index, 1);
  EXPECT_EQ((*rois)[0].line, 11);
  EXPECT_EQ((*rois)[0].name, "Mass");
  ASSERT_EQ((*rois)[0].points.size(), 3u);
  EXPECT_EQ((*rois)[0].points[0], cv::Point2d(10.5, 20.25));
  EXPECT_EQ((*rois)[0].points[2], cv::Point2d(20, 40));
  EXPECT_TRUE((*rois)[0].problem.empty());
  EXPECT_EQ((*rois)[1].index, 2);
  EXPECT_EQ((*rois)[1].name, "Calcification");
  EXPECT_EQ((*rois)[1].points.size(), 1u);
}

// An unusable ROI is that ROI's problem; an unusable file is an error naming file and line.
TEST(InbreastXmlTest, BadRoisAndBadFilesAreNamed) {
  const absl::StatusOr<std::vector<InbreastRoi>> rois =
      ParseInbreastXml(Plist("<dict><key>Name</key><string>Mass</string><key>Point_px</key><array>"
                             "<string>(1, 2)</string>\n<string>(3; 4)</string></array></dict>\n"
                             "<dict><key>Name</key><string>Mass</string></dict>\n"),
                       "AllXML/2.xml");
  ASSERT_TRUE(rois.ok()) << rois.status();
  ASSERT_EQ(rois->size(), 2u);
  EXPECT_THAT((*rois)[0].problem, HasSubstr("line 12: Point_px value '(3; 4)' is not (x, y)"));
  EXPECT_EQ((*rois)[1].problem, "no Point_px array");

  const std::string good = Plist("");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {good.substr(0, good.size() / 2), "AllXML/3.xml:"},
      {"<plist><dict><key>Images</key><array><dict></dict></array></dict></plist>",
       "AllXML/3.xml:1: an Images entry without a ROIs array"},
      {"<plist><array/></plist>", "AllXML/3.xml:1: not a plist holding one dict"},
      {"<plist><dict><key>Other</key><array/></dict></plist>", "has no Images array"},
      {"", "not well-formed XML"},
      {"<plist><dict></plist>", "AllXML/3.xml:1: not well-formed XML (mismatched tag)"},
  };
  for (const auto& [text, message] : cases) {
    const absl::StatusOr<std::vector<InbreastRoi>> parsed = ParseInbreastXml(text, "AllXML/3.xml");
    EXPECT_TRUE(absl::IsDataLoss(parsed.status())) << text << ": " << parsed.status();
    EXPECT_THAT(parsed.status().message(), HasSubstr(message)) << text;
  }
  EXPECT_TRUE(ParseInbreastXml(good, "AllXML/4.xml").ok());
}

}  // namespace
}  // namespace mammo::dcm2png

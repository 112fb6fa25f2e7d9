// Checks that the DCMTK and OpenCV targets link and work: a DICOM written and read back,
// and an OpenCV operation with a hand-computed result.
#include <dcmtk/dcmdata/dctk.h>

#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"

namespace {

TEST(DcmtkTest, WritesAndReadsBackAnElement) {
  const std::string path = ::testing::TempDir() + "/smoke.dcm";
  DcmFileFormat file;
  ASSERT_TRUE(file.getDataset()->putAndInsertString(DCM_PatientID, "P_00001").good());
  ASSERT_TRUE(file.getDataset()->putAndInsertUint16(DCM_Rows, 3).good());
  ASSERT_TRUE(file.saveFile(path.c_str(), EXS_LittleEndianExplicit).good());
  DcmFileFormat read;
  ASSERT_TRUE(read.loadFile(path.c_str()).good());
  OFString patient;
  Uint16 rows = 0;
  EXPECT_TRUE(read.getDataset()->findAndGetOFString(DCM_PatientID, patient).good());
  EXPECT_TRUE(read.getDataset()->findAndGetUint16(DCM_Rows, rows).good());
  EXPECT_EQ(std::string(patient.c_str()), "P_00001");
  EXPECT_EQ(rows, 3);
}

TEST(OpenCvTest, ResizeByTwoWithAreaAveragesBlocks) {
  cv::Mat m = (cv::Mat_<uint8_t>(2, 2) << 10, 20, 30, 40);
  cv::Mat out;
  cv::resize(m, out, cv::Size(1, 1), 0, 0, cv::INTER_AREA);
  EXPECT_EQ(out.at<uint8_t>(0, 0), 25);  // (10 + 20 + 30 + 40) / 4
}

}  // namespace

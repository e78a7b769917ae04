//! Request signing for Capital Online, Alibaba Cloud and Huawei Cloud APIs.
